using System.Threading.Channels;

namespace Portal.Core;

/// <summary>
/// Tells the provisioning service in this process which rows were just committed, so the replica holding the
/// provisioning Lease reconciles them at once instead of at its next database poll. One instance of each subclass
/// per process (a DI singleton); the reader is the provisioning leader.
/// </summary>
/// <remarks>
/// A hint, never the source of truth: a replica that doesn't lead has no reader, a crash loses what was unread,
/// and a write made on another replica never shows up here, so the leader's database poll stays. That is why it
/// may drop: the buffer is bounded and, when full, forgets the oldest ids, so a write never waits or fails
/// because provisioning is slow or absent. Duplicates are harmless, the work queue de-duplicates keys.
/// </remarks>
public abstract class WriteSignal
{
    /// <summary>Unread ids kept at most; far more than the writes between two reads of a running leader.</summary>
    public const int Capacity = 1024;

    private readonly Channel<Guid> _written = Channel.CreateBounded<Guid>(new BoundedChannelOptions(Capacity)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
        SingleWriter = false,
    });

    /// <summary>
    /// Notes that the row <paramref name="id"/> was committed. Call it after the commit, never before: the reader
    /// may reconcile at once. Never blocks or throws.
    /// </summary>
    public void Written(Guid id) => _written.Writer.TryWrite(id);

    /// <summary>
    /// The ids written, oldest first, until <paramref name="ct"/> is cancelled. One reader at a time: the
    /// provisioning leader for as long as it leads.
    /// </summary>
    public IAsyncEnumerable<Guid> ReadAllAsync(CancellationToken ct) => _written.Reader.ReadAllAsync(ct);
}
