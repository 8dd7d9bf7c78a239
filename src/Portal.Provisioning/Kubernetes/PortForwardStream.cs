using System.Buffers;
using System.Net.WebSockets;

namespace Portal.Provisioning.Kubernetes;

/// <summary>
/// A duplex byte stream to one port of a pod, over the API server's <c>pods/portforward</c> WebSocket
/// (<c>v4.channel.k8s.io</c>: channel 0 carries data, channel 1 the kubelet's error text, and the first message on each
/// starts with the port as 2 bytes little-endian). Unlike <see cref="StreamDemuxer"/>, it buffers nothing of its own and
/// reads the socket only when its caller reads, so a slow reader slows the pod down (TCP backpressure) instead of filling
/// memory, and no read blocks a thread. Each write goes out at once as one message. Disposing it closes the WebSocket,
/// which ends the connection to the pod; when the pod hangs up, reads return 0.
/// </summary>
/// <example>
/// HTTP/2 cleartext (gRPC) to a pod through the API server:
/// <code>
/// var handler = new SocketsHttpHandler
/// {
///     ConnectCallback = async (_, ct) => await PortForwardStream.ConnectAsync(client, "ns", "connect-0", 15002, ct),
/// };
/// </code>
/// </example>
public sealed class PortForwardStream : Stream
{
    const string Protocol = "v4.channel.k8s.io";
    const byte DataChannel = 0, ErrorChannel = 1;
    const int MaxMessage = 1024 * 1024;

    readonly WebSocket _socket;
    readonly SemaphoreSlim _send = new(1, 1);
    readonly byte[] _receive = new byte[64 * 1024];
    readonly StringBuilder _error = new();
    int _pending, _pendingOffset;
    bool _atMessageStart = true;
    int _channel = -1;
    // The first two bytes on each channel are the port, not payload.
    int _dataPrefix = 2, _errorPrefix = 2;
    bool _ended;
    int _disposed;

    /// <summary>Wraps a port-forward WebSocket that was opened for exactly one port.</summary>
    public PortForwardStream(WebSocket socket) => _socket = socket;

    /// <summary>Opens <c>pods/portforward</c> for <paramref name="port"/> of <paramref name="pod"/> and wraps it.</summary>
    public static async Task<PortForwardStream> ConnectAsync(IKubernetes client, string @namespace, string pod, int port, CancellationToken cancellationToken)
    {
        var socket = await client.WebSocketNamespacedPodPortForwardAsync(pod, @namespace, [port], Protocol, cancellationToken: cancellationToken);
        return new PortForwardStream(socket);
    }

    /// <summary>Always true: the stream carries the pod's bytes in.</summary>
    public override bool CanRead => true;

    /// <summary>Always true: the stream carries bytes out to the pod.</summary>
    public override bool CanWrite => true;

    /// <summary>Always false: a network connection has no position to move to.</summary>
    public override bool CanSeek => false;

    /// <summary>Not supported: a connection has no length.</summary>
    public override long Length => throw new NotSupportedException();

    /// <summary>Not supported: a connection has no position.</summary>
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>
    /// Reads pod bytes. Returns 0 once the pod (or the API server) closed the connection; throws <see cref="IOException"/>
    /// with the kubelet's message (e.g. <c>error forwarding port 15002 to pod …: failed to connect to localhost:15002 …</c>)
    /// when the forward failed.
    /// </summary>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        while (true)
        {
            if (_pending > 0 && _channel == DataChannel)
            {
                var n = Math.Min(_pending, buffer.Length);
                _receive.AsMemory(_pendingOffset, n).CopyTo(buffer);
                _pendingOffset += n;
                _pending -= n;
                return n;
            }
            if (_ended) return Ended();
            var result = await _socket.ReceiveAsync(_receive.AsMemory(), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                _ended = true;
                continue;
            }
            (_pending, _pendingOffset) = (result.Count, 0);
            if (_atMessageStart && _pending > 0)
            {
                _channel = _receive[0];
                (_pending, _pendingOffset) = (_pending - 1, 1);
            }
            _atMessageStart = result.EndOfMessage;
            if (_channel == DataChannel) SkipPrefix(ref _dataPrefix);
            else if (_channel == ErrorChannel)
            {
                SkipPrefix(ref _errorPrefix);
                _error.Append(Encoding.UTF8.GetString(_receive, _pendingOffset, _pending));
                _pending = 0;
                // The kubelet writes its error in one message and then ends the forward.
                if (result.EndOfMessage && _error.Length > 0) throw new IOException(_error.ToString());
            }
            else _pending = 0;
        }
    }

    void SkipPrefix(ref int prefix)
    {
        var skip = Math.Min(prefix, _pending);
        prefix -= skip;
        _pendingOffset += skip;
        _pending -= skip;
    }

    int Ended() => _error.Length > 0 ? throw new IOException(_error.ToString()) : 0;

    /// <summary>
    /// Sends bytes to the pod as data-channel messages of at most 1 MiB each; concurrent writes go out one after another,
    /// never interleaved.
    /// </summary>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        await _send.WaitAsync(cancellationToken);
        var frame = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length, MaxMessage) + 1);
        try
        {
            frame[0] = DataChannel;
            while (!buffer.IsEmpty)
            {
                var chunk = buffer[..Math.Min(buffer.Length, MaxMessage)];
                chunk.CopyTo(frame.AsMemory(1));
                await _socket.SendAsync(frame.AsMemory(0, chunk.Length + 1), WebSocketMessageType.Binary, endOfMessage: true, cancellationToken);
                buffer = buffer[chunk.Length..];
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
            _send.Release();
        }
    }

    /// <summary>As <see cref="ReadAsync(Memory{byte}, CancellationToken)"/>, for callers with an array.</summary>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>As <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>, for callers with an array.</summary>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Synchronous I/O would block a thread on the network; HttpClient and gRPC use the async members.
    /// <summary>Blocks on <see cref="ReadAsync(byte[], int, int, CancellationToken)"/>; there only because <see cref="Stream"/> requires it.</summary>
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    /// <summary>Blocks on <see cref="WriteAsync(byte[], int, int, CancellationToken)"/>; there only because <see cref="Stream"/> requires it.</summary>
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    /// <summary>Writes are sent as they are made; there is nothing to flush.</summary>
    public override void Flush()
    {
    }

    /// <summary>Completes at once, as <see cref="Flush"/> does.</summary>
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Not supported: a connection can't seek.</summary>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <summary>Not supported: a connection has no length.</summary>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>
    /// Closes the WebSocket with a normal closure, waiting at most 2 s for the API server, which ends the connection to
    /// the pod. Safe to call more than once.
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // The API server is already gone; the socket is aborted below.
        }
        _socket.Dispose();
        _send.Dispose();
        await base.DisposeAsync();
    }

    /// <summary>Aborts the WebSocket rather than closing it politely, so no caller's thread waits on the network.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            // Abort rather than wait for a close handshake on a caller's thread.
            _socket.Abort();
            _socket.Dispose();
            _send.Dispose();
        }
        base.Dispose(disposing);
    }
}
