namespace Portal.Core.Data;

/// <summary>One row as a poll sees it: its id, its <c>Version</c> (bumped by every write), and what the poller reports it by.</summary>
/// <param name="Id">The row's id.</param>
/// <param name="Version">The row's concurrency token, bumped by every write.</param>
/// <param name="Tag">What the poller needs to say about the row once it has changed or gone (a cluster's tenant).</param>
/// <typeparam name="TTag">The type of <paramref name="Tag"/>.</typeparam>
public readonly record struct RowVersion<TTag>(Guid Id, long Version, TTag Tag);

/// <summary>What moved between two looks at a table.</summary>
/// <param name="IsFirstLook">No earlier look to compare with: every row is in <paramref name="Changed"/>.</param>
/// <param name="Changed">Rows that are new or whose Version moved.</param>
/// <param name="Gone">Rows that were there at the previous look and aren't now, as they were then.</param>
/// <typeparam name="TTag">The rows' tag type.</typeparam>
public sealed record RowChanges<TTag>(bool IsFirstLook, IReadOnlyList<RowVersion<TTag>> Changed, IReadOnlyList<RowVersion<TTag>> Gone);

/// <summary>
/// The version map behind every database poll: remembers each row's <c>Version</c> at the previous look and tells
/// which rows changed since. Every write bumps Version, so a poll of (id, version) sees the writes made through any
/// replica, the reconciler's included, at the cost of one narrow query. The map holds only the rows of the latest
/// look, so it stays the size of the polled set.
/// </summary>
/// <remarks>One poller uses one instance, from one thread at a time.</remarks>
/// <typeparam name="TTag">What a row is reported by.</typeparam>
public sealed class RowVersions<TTag>
{
    private Dictionary<Guid, RowVersion<TTag>>? _previous;

    /// <summary>Compares <paramref name="rows"/> with the previous look and remembers them for the next.</summary>
    public RowChanges<TTag> Look(IEnumerable<RowVersion<TTag>> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var current = rows.ToDictionary(r => r.Id);
        var previous = _previous;
        _previous = current;
        if (previous is null)
            return new RowChanges<TTag>(IsFirstLook: true, [.. current.Values], []);

        var changed = current.Values
            .Where(now => !previous.TryGetValue(now.Id, out var before) || before.Version != now.Version)
            .ToList();
        var gone = previous.Values.Where(before => !current.ContainsKey(before.Id)).ToList();
        return new RowChanges<TTag>(IsFirstLook: false, changed, gone);
    }
}
