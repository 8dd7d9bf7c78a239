using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Core.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class TenantStorage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Quota_MaxVolumes",
                table: "Tenants",
                type: "INTEGER",
                nullable: false,
                defaultValue: 20);

            migrationBuilder.AddColumn<string>(
                name: "Quota_Storage",
                table: "Tenants",
                type: "TEXT",
                maxLength: 32,
                nullable: false,
                defaultValue: "1Ti");

            migrationBuilder.AddColumn<string>(
                name: "Spec_EventLog",
                table: "Clusters",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Spec_ObjectStore",
                table: "Clusters",
                type: "TEXT",
                maxLength: 63,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Spec_Volumes",
                table: "Clusters",
                type: "TEXT",
                nullable: false,
                defaultValue: "[]");

            migrationBuilder.CreateTable(
                name: "HistoryServers",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Image = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    Cores = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Memory = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    IdleTimeout = table.Column<TimeSpan>(type: "TEXT", nullable: false),
                    StartedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    StartedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    LastOpenedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Phase = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Message = table.Column<string>(type: "TEXT", maxLength: 1024, nullable: true),
                    Version = table.Column<long>(type: "INTEGER", nullable: false),
                    Source_ObjectStore = table.Column<string>(type: "TEXT", maxLength: 63, nullable: true),
                    Source_Path = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Source_Volume = table.Column<string>(type: "TEXT", maxLength: 63, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_HistoryServers", x => x.Id);
                    table.ForeignKey(
                        name: "FK_HistoryServers_Tenants_TenantId",
                        column: x => x.TenantId,
                        principalTable: "Tenants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ObjectStores",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Endpoint = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    Region = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    BucketPrefix = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    PathStyleAccess = table.Column<bool>(type: "INTEGER", nullable: false),
                    AccessKeyId = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    ProtectedSecretKey = table.Column<string>(type: "TEXT", nullable: false),
                    KeyVersion = table.Column<int>(type: "INTEGER", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    RotatedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ObjectStores", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ObjectStores_Tenants_TenantId",
                        column: x => x.TenantId,
                        principalTable: "Tenants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "Volumes",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    StorageClass = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                    Size = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    AccessMode = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Volumes", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Volumes_Tenants_TenantId",
                        column: x => x.TenantId,
                        principalTable: "Tenants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_HistoryServers_TenantId",
                table: "HistoryServers",
                column: "TenantId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_ObjectStores_TenantId_Name",
                table: "ObjectStores",
                columns: new[] { "TenantId", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Volumes_TenantId_Name",
                table: "Volumes",
                columns: new[] { "TenantId", "Name" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "HistoryServers");

            migrationBuilder.DropTable(
                name: "ObjectStores");

            migrationBuilder.DropTable(
                name: "Volumes");

            migrationBuilder.DropColumn(
                name: "Quota_MaxVolumes",
                table: "Tenants");

            migrationBuilder.DropColumn(
                name: "Quota_Storage",
                table: "Tenants");

            migrationBuilder.DropColumn(
                name: "Spec_EventLog",
                table: "Clusters");

            migrationBuilder.DropColumn(
                name: "Spec_ObjectStore",
                table: "Clusters");

            migrationBuilder.DropColumn(
                name: "Spec_Volumes",
                table: "Clusters");
        }
    }
}
