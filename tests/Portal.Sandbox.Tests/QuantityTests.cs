using Portal.Sandbox.Admission;

namespace Portal.Sandbox.Tests;

public sealed class QuantityTests
{
    [Theory]
    [InlineData("500m", 0.5)]
    [InlineData("1", 1)]
    [InlineData("1.5", 1.5)]
    [InlineData("2k", 2000)]
    [InlineData("1M", 1_000_000)]
    [InlineData("1G", 1_000_000_000)]
    [InlineData("1Ki", 1024)]
    [InlineData("128Mi", 134_217_728)]
    [InlineData("1Gi", 1_073_741_824)]
    [InlineData("1e3", 1000)]
    [InlineData("129e6", 129_000_000)]
    [InlineData("100u", 0.0001)]
    public void Quantities_parse_to_their_exact_value(string text, double expected)
    {
        Assert.True(Quantity.TryParse(text, out var q));
        Assert.Equal((decimal)expected, q.Value);
    }

    [Theory]
    [InlineData("500m", "250m", "750m")]
    [InlineData("512Mi", "512Mi", "1Gi")]
    [InlineData("1", "1", "2")]
    [InlineData("1k", "500", "1500")]
    [InlineData("1.5", "0", "1500m")]
    public void Sums_print_in_canonical_form(string a, string b, string sum)
    {
        Quantity.TryParse(a, out var qa);
        Quantity.TryParse(b, out var qb);

        Assert.Equal(sum, (qa + qb).ToString());
    }

    [Fact]
    public void Garbage_is_not_a_quantity() => Assert.False(Quantity.TryParse("lots", out _));
}
