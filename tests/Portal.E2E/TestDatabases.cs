using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Portal.E2E;

/// <summary>
/// Test-only home of the ASP.NET Core Identity tables, standing in for PortalDb until it derives from
/// IdentityDbContext; then the tests use AddPortalAuthentication&lt;PortalDb&gt;() and this goes.
/// </summary>
public sealed class UsersTestDb(DbContextOptions<UsersTestDb> options) : IdentityDbContext(options);
