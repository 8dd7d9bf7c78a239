using Microsoft.EntityFrameworkCore;
using Portal.Core.Data;

namespace Portal.Testing;

/// <summary>A context factory over a test's own database, for services built by hand in a test.</summary>
public sealed class DbFactory(Func<PortalDb> create) : IDbContextFactory<PortalDb>
{
    /// <inheritdoc />
    public PortalDb CreateDbContext() => create();
}
