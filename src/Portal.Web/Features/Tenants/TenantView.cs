using System.Text.Json.Serialization;

namespace Portal.Web.Features.Tenants;

/// <summary>A tenant as the API shows it.</summary>
/// <param name="Slug">Identifier used in URLs.</param>
/// <param name="DisplayName">Human name.</param>
/// <param name="Namespace">Kubernetes namespace holding the tenant's clusters.</param>
/// <param name="Quota">Resource ceiling.</param>
/// <param name="Policy">Limits on the clusters members may ask for.</param>
/// <param name="Role">The caller's role; null for a platform admin who is not a member.</param>
/// <param name="CreatedAt">When the tenant was created.</param>
/// <param name="Version">Concurrency version; the ETag is this number in quotes.</param>
/// <param name="Warnings">
/// Only in the answer to a change, and only when it set a quota limit below what the tenant's clusters hold now: each
/// such limit and what it means. The change is saved; running clusters keep running.
/// </param>
internal sealed record TenantView(
    string Slug,
    string DisplayName,
    string Namespace,
    TenantQuota Quota,
    TenantPolicy Policy,
    TenantRole? Role,
    DateTimeOffset CreatedAt,
    long Version,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<QuotaOverrun>? Warnings = null)
{
    public static TenantView From(TenantAccess access) => new(
        access.Tenant.Slug, access.Tenant.DisplayName, access.Tenant.Namespace, access.Tenant.Quota,
        access.Tenant.Policy, access.Role, access.Tenant.CreatedAt, access.Tenant.Version);
}
