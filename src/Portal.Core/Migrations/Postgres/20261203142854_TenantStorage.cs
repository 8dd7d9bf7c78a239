using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Core.Migrations.Postgres
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
                type: "integer",
                nullable: false,
                defaultValue: 20);

            migrationBuilder.AddColumn<string>(
                name: "Quota_Storage",
                table: "Tenants",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "1Ti");

            migrationBuilder.AddColumn<string>(
                name: "Spec_EventLog",
                table: "Clusters",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Spec_ObjectStore",
                table: "Clusters",
                type: "character varying(63)",
                maxLength: 63,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Spec_Volumes",
                table: "Clusters",
                type: "text",
                nullable: false,
                defaultValue: "[]");

            migrationBuilder.CreateTable(
                name: "HistoryServers",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    Image = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    Cores = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Memory = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    IdleTimeout = table.Column<TimeSpan>(type: "interval", nullable: false),
                    StartedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    StartedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    LastOpenedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    Phase = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Message = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    Version = table.Column<long>(type: "bigint", nullable: false),
                    Source_ObjectStore = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: true),
                    Source_Path = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    Source_Volume = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: true)
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                    Endpoint = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    Region = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    BucketPrefix = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    PathStyleAccess = table.Column<bool>(type: "boolean", nullable: false),
                    AccessKeyId = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    ProtectedSecretKey = table.Column<string>(type: "text", nullable: false),
                    KeyVersion = table.Column<int>(type: "integer", nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    RotatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    Version = table.Column<long>(type: "bigint", nullable: false)
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    TenantId = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                    StorageClass = table.Column<string>(type: "character varying(253)", maxLength: 253, nullable: false),
                    Size = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    AccessMode = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    CreatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
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
