using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Portal.Core.Identity;

namespace Portal.Web.Tests.Identity;

/// <summary>
/// The failed-token limits slow guessing without locking anyone out: they count per client address and per token
/// prefix, and never refuse a valid token. Sign-in costs the same password check whether the user exists or not.
/// </summary>
public sealed class GuessingBrakesTests(GuessingBrakesTests.App app) : IClassFixture<GuessingBrakesTests.App>
{
    private const int Allowance = 2;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A fresh client address per test, so the tests' failures don't add up in the shared limiter.</summary>
    private static string NewAddress() => $"10.{Random.Shared.Next(256)}.{Random.Shared.Next(256)}.{Random.Shared.Next(1, 255)}";

    private async Task<HttpStatusCode> CallAsync(string token, string address)
    {
        using var client = app.CreateAnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/tenants");
        request.Headers.Authorization = new("Bearer", token);
        request.Headers.Add(App.ClientAddressHeader, address);
        using var response = await client.SendAsync(request, Ct);
        return response.StatusCode;
    }

    private async Task UseUpAllowanceAsync(string address)
    {
        for (var i = 0; i <= Allowance; i++)
            await CallAsync(TokenText.Generate().Text, address);
    }

    private static string WithWrongSecret(string token) => token[..^TokenText.SecretLength] + new string('x', TokenText.SecretLength);

    [Fact]
    public async Task A_valid_token_is_accepted_from_an_address_that_used_up_its_failed_token_allowance()
    {
        var address = NewAddress();
        var valid = app.TokenFor($"user-{Guid.NewGuid():N}");
        await UseUpAllowanceAsync(address);

        Assert.Equal(HttpStatusCode.OK, await CallAsync(valid, address));
    }

    [Fact]
    public async Task Unknown_tokens_beyond_an_addresss_allowance_get_429()
    {
        var address = NewAddress();
        await UseUpAllowanceAsync(address);

        Assert.Equal(HttpStatusCode.TooManyRequests, await CallAsync(TokenText.Generate().Text, address));
    }

    [Fact]
    public async Task Wrong_secrets_for_one_prefix_beyond_its_allowance_get_429_whatever_address_they_come_from()
    {
        var guessed = WithWrongSecret(app.TokenFor($"user-{Guid.NewGuid():N}"));
        for (var i = 0; i < Allowance; i++)
            await CallAsync(guessed, NewAddress());

        Assert.Equal(HttpStatusCode.TooManyRequests, await CallAsync(guessed, NewAddress()));
    }

    [Fact]
    public async Task The_right_secret_of_a_prefix_past_its_allowance_is_still_accepted()
    {
        var valid = app.TokenFor($"user-{Guid.NewGuid():N}");
        for (var i = 0; i <= Allowance; i++)
            await CallAsync(WithWrongSecret(valid), NewAddress());

        Assert.Equal(HttpStatusCode.OK, await CallAsync(valid, NewAddress()));
    }

    [Fact]
    public async Task Signing_in_as_a_user_nobody_has_verifies_a_password_hash_like_a_real_account_does()
    {
        await using var scope = app.Services.CreateAsyncScope();
        var signIn = scope.ServiceProvider.GetRequiredService<SignInManager<IdentityUser>>();
        var before = app.Hasher.Verifications;

        await signIn.PasswordSignInAsync($"nobody-{Guid.NewGuid():N}", "Some-password-1", isPersistent: false, lockoutOnFailure: true);

        Assert.Equal(1, app.Hasher.Verifications - before);
    }

    /// <summary>The portal with small allowances, a client address per request, and a hasher that counts.</summary>
    public sealed class App(Portal.Testing.PostgresServer postgres) : PortalApp(postgres)
    {
        public const string ClientAddressHeader = "X-Test-Client-Address";

        public CountingPasswordHasher Hasher { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            // Test-only: allowances small enough to use up in a test.
            builder.UseSetting("Authentication:Limits:FailedTokensPerMinute", Allowance.ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("Authentication:Limits:FailedTokensPerPrefixPerMinute", Allowance.ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.ConfigureServices(services =>
            {
                // Test-only: the test server has no client address; this header gives each request the one a test chose.
                services.AddSingleton<IStartupFilter, ClientAddressFromHeader>();
                // Test-only: the real hasher, counting its verifications.
                services.AddSingleton<IPasswordHasher<IdentityUser>>(Hasher);
            });
        }

        private sealed class ClientAddressFromHeader : IStartupFilter
        {
            public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
            {
                app.Use((context, nextMiddleware) =>
                {
                    if (IPAddress.TryParse(context.Request.Headers[ClientAddressHeader].ToString(), out var address))
                        context.Connection.RemoteIpAddress = address;
                    return nextMiddleware(context);
                });
                next(app);
            };
        }
    }

    /// <summary>Identity's password hasher, counting how often it verifies a password.</summary>
    public sealed class CountingPasswordHasher : PasswordHasher<IdentityUser>
    {
        private int _verifications;

        public int Verifications => Volatile.Read(ref _verifications);

        public override PasswordVerificationResult VerifyHashedPassword(IdentityUser user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref _verifications);
            return base.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }
}
