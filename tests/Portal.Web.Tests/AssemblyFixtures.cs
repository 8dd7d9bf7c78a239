using Portal.Testing;

// One throwaway PostgreSQL server for the whole assembly; each PortalApp (one per test class) makes its own database.
[assembly: AssemblyFixture(typeof(PostgresServer))]
