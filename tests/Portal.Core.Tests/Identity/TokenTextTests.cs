using System.ComponentModel.DataAnnotations;
using Portal.Core.Identity;

namespace Portal.Core.Tests.Identity;

public sealed class TokenTextTests
{
    [Fact]
    public void A_generated_token_parses_back_into_its_prefix_and_secret()
    {
        var (prefix, secret, text) = TokenText.Generate();

        Assert.True(TokenText.TryParse(text, out var parsedPrefix, out var parsedSecret));
        Assert.Equal((prefix, secret), (parsedPrefix, parsedSecret));
    }

    [Fact]
    public void Two_generated_tokens_differ_in_prefix_and_secret()
    {
        var a = TokenText.Generate();
        var b = TokenText.Generate();

        Assert.NotEqual((a.Prefix, a.Secret), (b.Prefix, b.Secret));
    }

    [Fact]
    public void A_secret_matches_its_own_hash_only()
    {
        var (_, secret, _) = TokenText.Generate();
        var other = TokenText.Generate().Secret;

        Assert.Equal((true, false), (TokenText.Matches(secret, TokenText.Hash(secret)), TokenText.Matches(other, TokenText.Hash(secret))));
    }

    [Fact]
    public void Options_with_a_default_lifetime_above_the_maximum_are_invalid()
    {
        var options = new PersonalAccessTokenOptions { MaxLifetimeDays = 30, DefaultLifetimeDays = 90 };

        var valid = Validator.TryValidateObject(options, new ValidationContext(options), validationResults: null, validateAllProperties: true);

        Assert.False(valid);
    }
}
