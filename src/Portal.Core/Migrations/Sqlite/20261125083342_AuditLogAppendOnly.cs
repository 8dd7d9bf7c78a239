using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Core.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AuditLogAppendOnly : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Audit rows are evidence: refuse UPDATE and DELETE for every client, not only for PortalDb.
            // SQLite triggers fire for one event each, so the model's trigger name covers updates and a
            // companion covers deletes.
            migrationBuilder.Sql("""
                CREATE TRIGGER "AuditLog_append_only" BEFORE UPDATE ON "AuditLog"
                BEGIN
                    SELECT RAISE(ABORT, 'The audit log is append-only: UPDATE on "AuditLog" refused');
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "AuditLog_append_only_delete" BEFORE DELETE ON "AuditLog"
                BEGIN
                    SELECT RAISE(ABORT, 'The audit log is append-only: DELETE on "AuditLog" refused');
                END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DROP TRIGGER "AuditLog_append_only_delete";""");
            migrationBuilder.Sql("""DROP TRIGGER "AuditLog_append_only";""");
        }
    }
}
