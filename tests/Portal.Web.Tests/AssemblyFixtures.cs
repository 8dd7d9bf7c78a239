using System.Runtime.CompilerServices;
using Portal.Testing;

// One throwaway PostgreSQL server for the whole assembly; each PortalApp (one per test class) makes its own database.
[assembly: AssemblyFixture(typeof(PostgresServer))]

namespace Portal.Web.Tests;

internal static class AssemblySetup
{
    /// <summary>
    /// bUnit's default of one second for WaitFor* is too short for a page that queries PostgreSQL while CI runs two
    /// test modules on two cores (seen failing there); set once for every component test, whatever host it uses.
    /// </summary>
    [ModuleInitializer]
    internal static void PatientComponentWaits() => Bunit.BunitContext.DefaultWaitTimeout = TimeSpan.FromSeconds(20);
}
