using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Core.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AuditLog",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    Actor = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Action = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Target = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    Outcome = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Detail = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AuditLog", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Tenants",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Slug = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    DisplayName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Namespace = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    DirectoryGroup = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DeletionRequestedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Version = table.Column<long>(type: "INTEGER", nullable: false),
                    Policy_DefaultTimeToLive = table.Column<TimeSpan>(type: "TEXT", nullable: false),
                    Policy_IdleTimeout = table.Column<TimeSpan>(type: "TEXT", nullable: true),
                    Policy_MaxTimeToLive = table.Column<TimeSpan>(type: "TEXT", nullable: false),
                    Policy_MaxWorkersPerCluster = table.Column<int>(type: "INTEGER", nullable: false),
                    Quota_Cpu = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Quota_MaxClusters = table.Column<int>(type: "INTEGER", nullable: false),
                    Quota_MaxPods = table.Column<int>(type: "INTEGER", nullable: false),
                    Quota_Memory = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Tenants", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Clusters",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    Owner = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Generation = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false),
                    DeletionRequestedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    IdempotencyKey = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    Version = table.Column<long>(type: "INTEGER", nullable: false),
                    Spec_Image = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    Spec_MasterCores = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Spec_MasterMemory = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Spec_SparkConf = table.Column<string>(type: "TEXT", nullable: false),
                    Spec_SparkConnect = table.Column<bool>(type: "INTEGER", nullable: false),
                    Spec_SparkVersion = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Spec_TimeToLive = table.Column<TimeSpan>(type: "TEXT", nullable: false),
                    Spec_WorkerCores = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Spec_WorkerMemory = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Spec_Workers = table.Column<int>(type: "INTEGER", nullable: false),
                    Status_ConnectUrl = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    Status_EndedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Status_MasterUiUrl = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    Status_MasterUrl = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    Status_Message = table.Column<string>(type: "TEXT", nullable: true),
                    Status_ObservedGeneration = table.Column<long>(type: "INTEGER", nullable: false),
                    Status_Phase = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Status_PhaseChangedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Status_ReadyWorkers = table.Column<int>(type: "INTEGER", nullable: false),
                    Status_Reason = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    Status_RunningSince = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Clusters", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Clusters_Tenants_TenantId",
                        column: x => x.TenantId,
                        principalTable: "Tenants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "Memberships",
                columns: table => new
                {
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Subject = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Role = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Memberships", x => new { x.TenantId, x.Subject });
                    table.ForeignKey(
                        name: "FK_Memberships_Tenants_TenantId",
                        column: x => x.TenantId,
                        principalTable: "Tenants",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ClusterEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ClusterId = table.Column<Guid>(type: "TEXT", nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    Phase = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 128, nullable: true),
                    Message = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ClusterEvents", x => x.Id);
                    table.ForeignKey(
                        name: "FK_ClusterEvents_Clusters_ClusterId",
                        column: x => x.ClusterId,
                        principalTable: "Clusters",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AuditLog_At",
                table: "AuditLog",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_AuditLog_TenantId_At",
                table: "AuditLog",
                columns: new[] { "TenantId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_ClusterEvents_ClusterId_At",
                table: "ClusterEvents",
                columns: new[] { "ClusterId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_Clusters_ExpiresAt",
                table: "Clusters",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_Clusters_TenantId_IdempotencyKey",
                table: "Clusters",
                columns: new[] { "TenantId", "IdempotencyKey" },
                unique: true,
                filter: "\"IdempotencyKey\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Clusters_TenantId_Name",
                table: "Clusters",
                columns: new[] { "TenantId", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Memberships_Subject",
                table: "Memberships",
                column: "Subject");

            migrationBuilder.CreateIndex(
                name: "IX_Tenants_Namespace",
                table: "Tenants",
                column: "Namespace",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Tenants_Slug",
                table: "Tenants",
                column: "Slug",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AuditLog");

            migrationBuilder.DropTable(
                name: "ClusterEvents");

            migrationBuilder.DropTable(
                name: "Memberships");

            migrationBuilder.DropTable(
                name: "Clusters");

            migrationBuilder.DropTable(
                name: "Tenants");
        }
    }
}
