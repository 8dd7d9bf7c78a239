using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Core.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ClusterNamesFreeAfterDeletion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Clusters_TenantId_Name",
                table: "Clusters");

            migrationBuilder.CreateIndex(
                name: "IX_Clusters_TenantId_Name",
                table: "Clusters",
                columns: new[] { "TenantId", "Name" },
                unique: true,
                filter: "\"Status_Phase\" <> 'Deleted'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Clusters_TenantId_Name",
                table: "Clusters");

            migrationBuilder.CreateIndex(
                name: "IX_Clusters_TenantId_Name",
                table: "Clusters",
                columns: new[] { "TenantId", "Name" },
                unique: true);
        }
    }
}
