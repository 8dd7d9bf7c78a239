using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Portal.Sandbox.Network;

/// <summary>A Kestrel endpoint that exists only in this process; <see cref="InMemoryTransport"/> binds it.</summary>
internal sealed class InMemoryEndPoint(string name) : EndPoint
{
    public string Name { get; } = name;

    public override string ToString() => $"memory://{Name}";
}

/// <summary>
/// A Kestrel transport without sockets: <see cref="Connect"/> hands Kestrel a connection made of two pipes and returns
/// the client's end as a <see cref="Stream"/>. Kestrel's own HTTP/1.1 and HTTP/2 stacks run on it unchanged, and the
/// connection's features carry whatever the dialler attached (which pod and port it reached).
/// </summary>
internal sealed class InMemoryTransport : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    readonly ConcurrentDictionary<string, Listener> _listeners = new(StringComparer.Ordinal);

    public bool CanBind(EndPoint endpoint) => endpoint is InMemoryEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var name = ((InMemoryEndPoint)endpoint).Name;
        var listener = new Listener(endpoint, () => _listeners.TryRemove(name, out _));
        if (!_listeners.TryAdd(name, listener)) throw new AddressInUseException($"{endpoint} is already bound");
        return ValueTask.FromResult<IConnectionListener>(listener);
    }

    /// <summary>
    /// Opens a connection to the listener bound at <paramref name="name"/>, with <paramref name="features"/> on the server
    /// side; <paramref name="opened"/> sees the server's end before the server does, to keep a handle that can reset it.
    /// </summary>
    /// <exception cref="ConnectionRefusedException">Nothing is bound there (the server is stopping or not started).</exception>
    public Stream Connect(string name, IFeatureCollection features, Action<ConnectionContext>? opened = null)
    {
        if (!_listeners.TryGetValue(name, out var listener)) throw new ConnectionRefusedException($"nothing listens at memory://{name}");
        var connection = new PipeConnection(features, listener.EndPoint);
        opened?.Invoke(connection);
        if (!listener.Pending.Writer.TryWrite(connection)) throw new ConnectionRefusedException($"memory://{name} is closed");
        return connection.ClientStream;
    }

    sealed class Listener(EndPoint endpoint, Action unbind) : IConnectionListener
    {
        public Channel<ConnectionContext> Pending { get; } = Channel.CreateUnbounded<ConnectionContext>();

        public EndPoint EndPoint { get; } = endpoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                return await Pending.Reader.ReadAsync(cancellationToken);
            }
            catch (ChannelClosedException)
            {
                return null;   // unbound: Kestrel stops accepting
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            unbind();
            Pending.Writer.TryComplete();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync() => UnbindAsync();
    }
}

/// <summary>
/// One in-memory connection: bytes from the client flow through <c>_up</c>, bytes to it through <c>_down</c>. Each pipe
/// end has one owner; closing or aborting only ever completes ends this side owns, or cancels reads, so no end is
/// written and completed by two threads at once.
/// </summary>
internal sealed class PipeConnection : ConnectionContext
{
    readonly Pipe _up = new();
    readonly Pipe _down = new();
    readonly CancellationTokenSource _closed = new();
    readonly object _upWriter = new();
    bool _upCompleted;
    volatile bool _aborted;

    public PipeConnection(IFeatureCollection features, EndPoint local)
    {
        Features = features;
        LocalEndPoint = local;
        Transport = new DuplexPipe(_up.Reader, _down.Writer);
        ClientStream = new ClientEnd(this);
    }

    public override string ConnectionId { get; set; } = Guid.NewGuid().ToString("N");
    public override IFeatureCollection Features { get; }
    public override IDictionary<object, object?> Items { get; set; } = new ConcurrentDictionary<object, object?>();
    public override IDuplexPipe Transport { get; set; }
    public override CancellationToken ConnectionClosed { get => _closed.Token; set { } }

    public Stream ClientStream { get; }

    /// <summary>The server resets the connection: its reads see the end, the client's reads fail as a reset would.</summary>
    public override void Abort(ConnectionAbortedException abortReason)
    {
        _aborted = true;
        CompleteUp();
        _down.Reader.CancelPendingRead();
        Cancel();
    }

    public override ValueTask DisposeAsync()
    {
        // Kestrel is done with its ends: the client reads EOF after what was sent.
        _down.Writer.Complete();
        _up.Reader.Complete();
        Cancel();
        return ValueTask.CompletedTask;
    }

    void Cancel()
    {
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    void CompleteUp()
    {
        lock (_upWriter)
        {
            if (_upCompleted) return;
            _upCompleted = true;
            _up.Writer.Complete();
        }
    }

    sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }

    /// <summary>The dialler's end: a duplex stream like a connected socket's.</summary>
    sealed class ClientEnd(PipeConnection c) : Stream
    {
        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.Length == 0) return 0;
            while (true)
            {
                ReadResult result;
                try
                {
                    result = await c._down.Reader.ReadAsync(cancellationToken);
                }
                catch (InvalidOperationException)
                {
                    return 0;   // this end was disposed
                }
                if (c._aborted) throw new IOException("Connection reset by peer");
                var data = result.Buffer;
                if (data.IsEmpty && result.IsCompleted)
                {
                    c._down.Reader.AdvanceTo(data.End);
                    return 0;
                }
                if (data.IsEmpty)
                {
                    c._down.Reader.AdvanceTo(data.End);
                    continue;
                }
                var n = (int)Math.Min(buffer.Length, data.Length);
                data.Slice(0, n).CopyTo(buffer.Span);
                c._down.Reader.AdvanceTo(data.GetPosition(n));
                return n;
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            // One writer at a time, and never after the end was completed (by Dispose or by the server's Abort).
            lock (c._upWriter)
            {
                if (c._upCompleted) throw new IOException(c._aborted ? "Connection reset by peer" : "The connection is closed");
                c._up.Writer.Write(buffer.Span);
            }
            var flush = await c._up.Writer.FlushAsync(cancellationToken);
            if (flush.IsCompleted) throw new IOException("Connection reset by peer");
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                c.CompleteUp();
                c._down.Reader.Complete();
            }
            base.Dispose(disposing);
        }
    }
}
