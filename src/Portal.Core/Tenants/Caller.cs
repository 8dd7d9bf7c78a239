namespace Portal.Core.Tenants;

/// <summary>
/// Who is making the current request, as far as authorization is concerned. Resolved once per request or Blazor
/// circuit; services scope every query by the caller's tenant memberships.
/// </summary>
/// <param name="Subject">Stable user id, matched against <see cref="Membership.Subject"/>.</param>
/// <param name="IsPlatformAdmin">May create and change tenants.</param>
/// <param name="TokenTenant">
/// The one tenant the request's credential reaches (a personal access token limited to one tenant), or null for
/// all of the subject's tenants. Every other tenant is then treated as one the caller doesn't belong to.
/// </param>
public sealed record Caller(string Subject, bool IsPlatformAdmin, Guid? TokenTenant = null);
