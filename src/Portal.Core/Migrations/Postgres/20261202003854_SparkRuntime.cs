using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Core.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SparkRuntime : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Rows from before get the defaults a new row gets (TenantQuota, ClusterSpec), not empty quantities.
            migrationBuilder.AddColumn<string>(
                name: "Quota_EphemeralStorage",
                table: "Tenants",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "512Gi");

            migrationBuilder.AddColumn<string>(
                name: "Spec_MasterScratch",
                table: "Clusters",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "2Gi");

            migrationBuilder.AddColumn<string>(
                name: "Spec_WorkerScratch",
                table: "Clusters",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "10Gi");

            migrationBuilder.AddColumn<int>(
                name: "Status_ActiveApplications",
                table: "Clusters",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "Status_ActivityMark",
                table: "Clusters",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "Status_Idle",
                table: "Clusters",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "Status_LastActivityAt",
                table: "Clusters",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Status_RegisteredWorkers",
                table: "Clusters",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "Status_SparkCores",
                table: "Clusters",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "Status_SparkCoresUsed",
                table: "Clusters",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "Status_TerminationReason",
                table: "Clusters",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Quota_EphemeralStorage",
                table: "Tenants");

            migrationBuilder.DropColumn(
                name: "Spec_MasterScratch",
                table: "Clusters");

            migrationBuilder.DropColumn(
                name: "Spec_WorkerScratch",
                table: "Clusters");

            migrationBuilder.DropColumn(
                name: "Status_ActiveApplications",
                table: "Clusters");

            migrationBuilder.DropColumn(
                name: "Status_ActivityMark",
                table: "Clusters");

            migrationBuilder.DropColumn(
                name: "Status_Idle",
                table: "Clusters");

            migrationBuilder.DropColumn(
                name: "Status_LastActivityAt",
                table: "Clusters");

            migrationBuilder.DropColumn(
                name: "Status_RegisteredWorkers",
                table: "Clusters");

            migrationBuilder.DropColumn(
                name: "Status_SparkCores",
                table: "Clusters");

            migrationBuilder.DropColumn(
                name: "Status_SparkCoresUsed",
                table: "Clusters");

            migrationBuilder.DropColumn(
                name: "Status_TerminationReason",
                table: "Clusters");
        }
    }
}
