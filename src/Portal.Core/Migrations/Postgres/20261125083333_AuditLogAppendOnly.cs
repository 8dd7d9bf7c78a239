using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Portal.Core.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AuditLogAppendOnly : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Audit rows are evidence: refuse UPDATE, DELETE and TRUNCATE for every client, not only for PortalDb.
            migrationBuilder.Sql("""
                CREATE FUNCTION "AuditLog_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'The audit log is append-only: % on "AuditLog" refused', TG_OP
                        USING ERRCODE = 'restrict_violation';
                END
                $$;
                CREATE TRIGGER "AuditLog_append_only" BEFORE UPDATE OR DELETE ON "AuditLog"
                    FOR EACH ROW EXECUTE FUNCTION "AuditLog_refuse_change"();
                CREATE TRIGGER "AuditLog_append_only_truncate" BEFORE TRUNCATE ON "AuditLog"
                    FOR EACH STATEMENT EXECUTE FUNCTION "AuditLog_refuse_change"();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER "AuditLog_append_only_truncate" ON "AuditLog";
                DROP TRIGGER "AuditLog_append_only" ON "AuditLog";
                DROP FUNCTION "AuditLog_refuse_change"();
                """);
        }
    }
}
