using Portal.Web.Features.Shell;

namespace Portal.Web.Features.Tenants;

/// <summary>
/// The current tenant's members and roles and the tokens limited to it, for its admins and platform admins.
/// <see cref="MembershipService"/> and <see cref="TenantTokens"/> decide who may do what; this page only hides
/// controls a caller could not use.
/// </summary>
public sealed partial class TenantMembers : TenantPage
{
    private static readonly TenantRole[] Roles = [TenantRole.Admin, TenantRole.Member, TenantRole.Viewer];

    private IReadOnlyList<Membership>? _members;
    private IReadOnlyList<PersonalAccessToken>? _tokens;
    private string? _newSubject;
    private string? _newText;
    private TenantRole _newRole = TenantRole.Member;
    private string? _subjectError;
    // Typed text that matches nobody who has signed in: shown with a warning, added only when Add is pressed again.
    private string? _unknownSubject;
    private DateTimeOffset _now;
    private int _loads;

    // The warning is about the text as it is now: editing it away hides the warning.
    private bool UnknownShown => _unknownSubject is not null && (_newText ?? _newSubject)?.Trim() == _unknownSubject;

    protected override string Contents => "members";

    protected override void ForgetInput()
    {
        _subjectError = null;
        _unknownSubject = null;
    }

    protected override async Task LoadRowsAsync()
    {
        _members = null;
        _tokens = null;
        if (Access is null || !MayAdminister)
            return;

        var slug = Access.Tenant.Slug;
        var members = await Memberships.ListAsync(slug, Stopping);
        var tokens = await TenantTokens.ListAsync(slug, Stopping);
        _now = Time.GetUtcNow();
        if ((members.Failure ?? tokens.Failure) is { } failure)
        {
            LoadRefused(failure);
            return;
        }

        _members = members.Value;
        _tokens = tokens.Value;
        await LearnNamesAsync(_members!.Select(m => m.Subject).Concat(_tokens!.Select(t => t.Owner)).Distinct());
        _loads++;
    }

    protected override void ShowNoRows()
    {
        _members = [];
        _tokens = [];
    }

    private async Task AddAsync()
    {
        _subjectError = null;
        // A person picked from the list, unless the text was edited since; else whatever was typed (the field turns
        // typed text into its value only when it loses focus).
        var picked = _newSubject is { } chosen && People.ContainsKey(chosen) && (_newText is null || _newText == UserLabel(chosen));
        var text = picked ? _newSubject : _newText ?? _newSubject;
        if (string.IsNullOrWhiteSpace(text))
        {
            _subjectError = "Give the user's name.";
            return;
        }

        await ChangeAsync("add member", async (slug, ct) =>
        {
            var typed = text.Trim();
            string subject;
            switch (picked ? [text] : await MatchesAsync(typed, ct))
            {
                case [var only]:
                    subject = only;
                    break;
                case []:
                    // A typo would otherwise become a member nobody can ever sign in as. An SSO user who has not
                    // signed in yet is legitimate, so pressing Add again with the same text adds it as their subject.
                    if (_unknownSubject != typed)
                    {
                        _unknownSubject = typed;
                        return null;
                    }

                    subject = typed;
                    break;
                case var several:
                    _subjectError = $"{several.Count} people match \u201c{typed}\u201d: pick one from the list.";
                    return null;
            }

            _unknownSubject = null;
            var outcome = await Memberships.AddAsync(slug, subject, _newRole, ct);
            if (outcome.Failure is { } failure)
            {
                // Input and duplicate problems concern the subject: say so beside it.
                if (failure.Kind is FailureKind.Invalid or FailureKind.Conflict)
                {
                    _subjectError = failure.Errors?.Values.SelectMany(e => e).FirstOrDefault() ?? failure.Detail ?? failure.Title;
                    return null;
                }

                return failure;
            }

            Snackbar.Add($"Added {Name(outcome.Value!.Subject)} as {outcome.Value.Role}", Severity.Success);
            _newSubject = null;
            _newText = null;
            return null;
        });
    }

    private async Task ChangeRoleAsync(Membership member, TenantRole role)
    {
        if (role == member.Role)
            return;
        await ChangeAsync("change role", (slug, ct) => Memberships.ChangeRoleAsync(slug, member.Subject, role, ct),
            $"{Name(member.Subject)} is now {role}");
    }

    private async Task RemoveAsync(Membership member)
    {
        if (!await ConfirmDialog.AskAsync(Dialogs, $"Remove {Name(member.Subject)}?",
                $"They lose access to {Access!.Tenant.DisplayName} at once; their clusters stay.", yesText: "Remove"))
            return;
        await ChangeAsync("remove member", (slug, ct) => Memberships.RemoveAsync(slug, member.Subject, ct), $"Removed {Name(member.Subject)}");
    }

    private async Task RevokeAsync(PersonalAccessToken token)
    {
        if (!await ConfirmDialog.AskAsync(Dialogs, $"Revoke {Name(token.Owner)}'s token {token.Name}?",
                "Whatever uses it stops working at once. This can't be undone.", yesText: "Revoke"))
            return;
        await ChangeAsync("revoke token", (slug, ct) => TenantTokens.RevokeAsync(slug, token.Id, ct),
            $"Revoked {Name(token.Owner)}'s token {token.Name}");
    }

    private string? UserLabel(string? subject) =>
        subject is null ? null
        : People.TryGetValue(subject, out var user) ? (user.Email is { } email ? $"{user.DisplayName} ({email})" : user.DisplayName)
        : subject;

    private async Task<IEnumerable<string>> SearchUsersAsync(string? text, CancellationToken ct)
    {
        try
        {
            var found = await Users.SearchAsync(text, 10, ct);
            foreach (var user in found)
                People[user.Subject] = user;
            return found.Select(u => u.Subject);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            SearchFailed(Logger, exception);
            return [];
        }
    }

    /// <summary>
    /// The subjects typed text may mean: the people whose name or e-mail is exactly what was typed (someone may type
    /// a name in full and press Add before picking), or the text itself when it is the subject of someone known or
    /// already a member (so that adding them again says they are a member). Empty when it matches nobody.
    /// </summary>
    private async Task<IReadOnlyList<string>> MatchesAsync(string text, CancellationToken ct)
    {
        if (_members?.Any(m => m.Subject == text) == true)
            return [text];
        foreach (var user in await Users.SearchAsync(text, 10, ct))
            People[user.Subject] = user;
        return People.Values
            .Where(u => u.Subject == text
                || string.Equals(u.DisplayName, text, StringComparison.OrdinalIgnoreCase)
                || string.Equals(u.Email, text, StringComparison.OrdinalIgnoreCase)
                || string.Equals(UserLabel(u.Subject), text, StringComparison.OrdinalIgnoreCase))
            .Select(u => u.Subject)
            .Distinct()
            .ToList();
    }

    [LoggerMessage(LogLevel.Warning, "Searching the user directory failed")]
    private static partial void SearchFailed(ILogger logger, Exception exception);
}
