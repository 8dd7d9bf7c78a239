using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Core.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class UsageSamples : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "UsageSamples",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<Guid>(type: "TEXT", nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    Interval = table.Column<TimeSpan>(type: "TEXT", nullable: false),
                    Clusters = table.Column<int>(type: "INTEGER", nullable: false),
                    CpuCores = table.Column<decimal>(type: "TEXT", precision: 18, scale: 3, nullable: false),
                    MemoryBytes = table.Column<long>(type: "INTEGER", nullable: false),
                    Pods = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_UsageSamples", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_UsageSamples_At",
                table: "UsageSamples",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_UsageSamples_TenantId_At",
                table: "UsageSamples",
                columns: new[] { "TenantId", "At" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "UsageSamples");
        }
    }
}
