using System.Net;
using Microsoft.EntityFrameworkCore;
using Portal.Core.Audit;
using Portal.Core.Identity;
using Portal.Web.Features.Identity;

namespace Portal.Web.Tests.Authorization;

/// <summary>Refused personal access tokens leave a trace in the audit log, never the token itself.</summary>
public sealed class RefusedTokenAuditTests(PortalApp app) : IClassFixture<PortalApp>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_revoked_token_is_audited_as_denied_for_its_owner()
    {
        var owner = $"owner-{Guid.NewGuid():N}";
        var token = app.TokenFor(owner);
        Assert.True(TokenText.TryParse(token, out var prefix, out _));
        await using (var db = app.Db())
            await db.Set<PersonalAccessToken>().Where(t => t.Prefix == prefix)
                .ExecuteUpdateAsync(set => set.SetProperty(t => t.RevokedAt, DateTimeOffset.UtcNow), Ct);

        await SendAsync(token);

        var entry = (await app.AuditLogAsync()).Last(a => a.Action == "token.authenticate");
        Assert.Equal((owner, AuditOutcome.Denied, "Revoked"), (entry.Actor, entry.Outcome, entry.Detail));
    }

    [Fact]
    public async Task An_unknown_token_is_audited_without_its_text()
    {
        var (_, _, text) = TokenText.Generate();

        var status = await SendAsync(text);

        var entry = (await app.AuditLogAsync()).Last(a => a.Action == "token.authenticate");
        Assert.Equal((HttpStatusCode.Unauthorized, SignInAudit.UnknownActor, "tokens", "Unknown"),
            (status, entry.Actor, entry.Target, entry.Detail));
    }

    private async Task<HttpStatusCode> SendAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/tenants");
        request.Headers.Authorization = new("Bearer", token);
        using var response = await app.CreateAnonymousClient().SendAsync(request, Ct);
        return response.StatusCode;
    }
}
