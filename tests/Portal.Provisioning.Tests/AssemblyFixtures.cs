using Portal.Testing;

[assembly: AssemblyFixture(typeof(PostgresServer))]
