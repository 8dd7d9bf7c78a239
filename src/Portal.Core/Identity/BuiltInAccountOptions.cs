namespace Portal.Core.Identity;

/// <summary>Password accounts kept in the portal's database, bound from "Authentication:BuiltInAccounts".</summary>
public sealed class BuiltInAccountOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Authentication:BuiltInAccounts";

    /// <summary>Offer the password form. Turn off to sign in through SSO only (then SSO must be configured).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How often a built-in account's session is checked against the account: a changed password, a reset
    /// security stamp or a deleted account ends the session at the next check.
    /// </summary>
    [Range(0, 3600)]
    public int RevalidateSeconds { get; set; } = 60;

    /// <summary>How long an invitation link stays valid, in hours.</summary>
    [Range(1, 24 * 90)]
    public int InvitationHours { get; set; } = 72;
}
