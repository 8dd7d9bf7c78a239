namespace Portal.Web;

internal static class OptionsExtensions
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to the configuration <paramref name="section"/> and checks its data
    /// annotations when the host starts, so a bad setting stops the portal with a message instead of failing later.
    /// </summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services, string section)
        where TOptions : class =>
        services.AddOptions<TOptions>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
}
