using Portal.Testing;

// One throwaway PostgreSQL server for the whole assembly; each test class makes its own database on it.
[assembly: AssemblyFixture(typeof(PostgresServer))]
