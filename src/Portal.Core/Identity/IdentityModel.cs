using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Portal.Core.Identity;

/// <summary>EF Core mapping of the identity entities owned by the portal (personal access tokens).</summary>
/// <remarks>Called from <c>PortalDb.OnModelCreating</c>, so both providers' migrations carry the same tables.</remarks>
public static class IdentityModel
{
    /// <summary>Adds the identity entities to <paramref name="modelBuilder"/>.</summary>
    public static void Configure(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<PersonalAccessToken>(ConfigureToken);
    }

    static void ConfigureToken(EntityTypeBuilder<PersonalAccessToken> token)
    {
        token.ToTable("PersonalAccessTokens");
        token.HasKey(t => t.Id);
        token.Property(t => t.Id).ValueGeneratedNever();
        token.Property(t => t.Owner).HasMaxLength(256);
        token.Property(t => t.Name).HasMaxLength(PersonalAccessTokens.MaxNameLength);
        token.Property(t => t.Prefix).HasMaxLength(TokenText.PrefixLength).IsFixedLength();
        token.Property(t => t.Hash).HasMaxLength(32).IsFixedLength();

        // A string, not an integer, like the other enums: readable rows, and reordering can't widen a token.
        token.Property(t => t.Access).HasConversion<string>().HasMaxLength(16);

        // Every API request with a token looks it up by prefix; the owner's list is the other query.
        token.HasIndex(t => t.Prefix).IsUnique();
        token.HasIndex(t => t.Owner);

        // No foreign key to Tenants: a tenant's deletion makes its tokens useless (they only ever grant the
        // intersection with live memberships) without erasing the record of them.
    }
}
