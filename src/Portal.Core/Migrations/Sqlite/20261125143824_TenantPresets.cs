using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Core.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class TenantPresets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Policy_Presets",
                table: "Tenants",
                type: "TEXT",
                nullable: false,
                // Tenants from before presets existed get the presets a new tenant gets (TenantPolicy.DefaultPresets).
                defaultValue: "[{\"Name\":\"Small\",\"Workers\":2,\"WorkerCores\":\"1\",\"WorkerMemory\":\"2Gi\"},{\"Name\":\"Medium\",\"Workers\":4,\"WorkerCores\":\"2\",\"WorkerMemory\":\"8Gi\"},{\"Name\":\"Large\",\"Workers\":8,\"WorkerCores\":\"4\",\"WorkerMemory\":\"16Gi\"}]");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Policy_Presets",
                table: "Tenants");
        }
    }
}
