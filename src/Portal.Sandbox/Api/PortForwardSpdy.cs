using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.WebSockets;
using ICSharpCode.SharpZipLib.Zip.Compression;

namespace Portal.Sandbox.Api;

/// <summary>
/// The server side of SPDY/3.1 as kubectl's port-forward uses it (apimachinery httpstream/spdy over moby/spdystream,
/// kubelet portforward/httpstream.go). The client opens two streams per forwarded connection, an error stream and a data
/// stream, with headers <c>streamType</c> (error|data), <c>port</c> and <c>requestID</c>; each is answered with an empty
/// SYN_REPLY; once both of a request are here the port is dialled and DATA copied both ways. When the connection ends
/// both streams are closed with FIN; an error is written on the error stream first. spdystream does no flow control, so
/// SETTINGS and WINDOW_UPDATE are read and ignored; PINGs (kubectl's tunnel sends one every 10 s) are echoed.
/// </summary>
internal sealed class SpdySession(Stream transport, JsonObject pod, PodDialer dialer)
{
    const ushort Version = 3;
    const ushort SynStream = 1, SynReply = 2, RstStream = 3, Settings = 4, Ping = 6, GoAway = 7, Headers = 8, WindowUpdate = 9;
    const byte FlagFin = 0x01;
    const uint StatusCancel = 5;
    const int MaxDataFrame = 0xFFFFFF;

    readonly SemaphoreSlim _write = new(1, 1);
    readonly Inflater _inflater = new();
    readonly ConcurrentDictionary<uint, SpdyStream> _streams = [];
    readonly Dictionary<string, Pair> _pairs = [];
    readonly List<Task> _forwards = [];
    bool _compressorStarted;

    sealed class SpdyStream(uint id, bool isData, int port)
    {
        public uint Id { get; } = id;
        public bool IsData { get; } = isData;
        public int Port { get; } = port;
        public Pipe Incoming { get; } = new();
        public CancellationTokenSource Reset { get; } = new();
    }

    sealed class Pair
    {
        public SpdyStream? Data { get; set; }
        public SpdyStream? Error { get; set; }
    }

    public async Task RunAsync(CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            await ReadLoop(stop.Token);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or WebSocketException or OperationCanceledException or InvalidDataException or ICSharpCode.SharpZipLib.SharpZipBaseException)
        {
            // The connection dropped, or the client sent something that isn't SPDY: end the session as spdystream does.
        }
        // The connection is gone (or said GOAWAY): no more client data, and soon nobody to send to.
        foreach (var stream in _streams.Values) await stream.Incoming.Writer.CompleteAsync();
        await Task.WhenAny(Task.WhenAll(_forwards), Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
        stop.Cancel();
        await Task.WhenAll(_forwards);
    }

    async Task ReadLoop(CancellationToken ct)
    {
        var header = new byte[8];
        while (true)
        {
            var got = await transport.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, ct);
            if (got == 0) return;
            if (got < header.Length) throw new EndOfStreamException();
            var first = BinaryPrimitives.ReadUInt32BigEndian(header);
            var flags = header[4];
            var length = (header[5] << 16) | (header[6] << 8) | header[7];
            var payload = new byte[length];
            await transport.ReadExactlyAsync(payload, ct);
            if ((first & 0x8000_0000) == 0)
            {
                await OnData(first & 0x7FFF_FFFF, flags, payload, ct);
                continue;
            }
            switch ((ushort)(first & 0xFFFF))
            {
                case SynStream: await OnSynStream(flags, payload, ct); break;
                case RstStream: await OnReset(BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFF_FFFF); break;
                case Ping: await WriteControl(Ping, 0, payload, ct); break;
                case GoAway: return;
                // A HEADERS block still advances the shared zlib context.
                case Headers: Inflate(payload.AsSpan(4)); break;
                case SynReply or Settings or WindowUpdate: break;
                default: break;
            }
        }
    }

    async Task OnSynStream(byte flags, byte[] payload, CancellationToken ct)
    {
        var id = BinaryPrimitives.ReadUInt32BigEndian(payload) & 0x7FFF_FFFF;
        var headers = ParseHeaderBlock(Inflate(payload.AsSpan(10)));
        // kubelet httpStreamReceived: a stream without a valid port or stream type is reset, not answered.
        var portText = headers.GetValueOrDefault("port");
        var type = headers.GetValueOrDefault("streamtype");
        if (!ushort.TryParse(portText, out var port) || port < 1 || type is not ("data" or "error"))
        {
            await WriteControl(RstStream, 0, Words(id, StatusCancel), ct);
            return;
        }
        var stream = new SpdyStream(id, type == "data", port);
        _streams[id] = stream;
        if ((flags & FlagFin) != 0) await stream.Incoming.Writer.CompleteAsync();
        // An empty reply; spdystream drops DATA on a stream until its reply came, and the writes are ordered.
        await WriteControl(SynReply, 0, [.. Words(id), .. CompressHeaderBlock([0, 0, 0, 0])], ct);

        // Old clients send no requestID; the kubelet pairs their consecutive stream ids instead.
        var requestId = headers.GetValueOrDefault("requestid") ?? (stream.IsData ? id - 2 : id).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!_pairs.TryGetValue(requestId, out var pair)) _pairs[requestId] = pair = new Pair();
        if ((stream.IsData ? pair.Data : pair.Error) is not null)
        {
            var message = $"error processing stream for request {requestId}: {(stream.IsData ? "data" : "error")} stream already assigned";
            if (pair.Error is { } errorStream) await WriteData(errorStream.Id, Encoding.UTF8.GetBytes(message), fin: false, ct);
            return;
        }
        if (stream.IsData) pair.Data = stream;
        else pair.Error = stream;
        if (pair is { Data: { } data, Error: { } error })
        {
            _pairs.Remove(requestId);
            _forwards.Add(ForwardPair(data, error, ct));
        }
    }

    async Task ForwardPair(SpdyStream data, SpdyStream error, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, data.Reset.Token, error.Reset.Token);
        try
        {
            await PortForward.Forward(dialer, pod, data.Port, data.Incoming.Reader, (bytes, t) => WriteData(data.Id, bytes, fin: false, t), stop.Token);
        }
        catch (Exception e) when (!stop.IsCancellationRequested && e is not (IOException or WebSocketException or OperationCanceledException))
        {
            await Quietly(() => WriteData(error.Id, Encoding.UTF8.GetBytes(PortForward.ErrorText(pod, data.Port, e)), fin: false, ct));
        }
        catch (Exception e) when (e is IOException or WebSocketException or OperationCanceledException)
        {
            // The client went away or reset the stream.
        }
        // kubelet portForward: both streams are closed when the forward ends, which is what kubectl waits for.
        await Quietly(() => WriteData(data.Id, default, fin: true, ct));
        await Quietly(() => WriteData(error.Id, default, fin: true, ct));
        _streams.TryRemove(data.Id, out _);
        _streams.TryRemove(error.Id, out _);
    }

    async ValueTask OnData(uint id, byte flags, byte[] payload, CancellationToken ct)
    {
        if (!_streams.TryGetValue(id, out var stream)) return;
        // The error stream is the server's to write; anything the client sends on it is dropped.
        if (stream.IsData && payload.Length > 0) await stream.Incoming.Writer.WriteAsync(payload, ct);
        if ((flags & FlagFin) != 0) await stream.Incoming.Writer.CompleteAsync();
    }

    async Task OnReset(uint id)
    {
        if (!_streams.TryRemove(id, out var stream)) return;
        await stream.Incoming.Writer.CompleteAsync();
        await stream.Reset.CancelAsync();
    }

    async ValueTask WriteData(uint id, ReadOnlyMemory<byte> data, bool fin, CancellationToken ct)
    {
        do
        {
            var chunk = data[..Math.Min(data.Length, MaxDataFrame)];
            data = data[chunk.Length..];
            var frame = new byte[8 + chunk.Length];
            BinaryPrimitives.WriteUInt32BigEndian(frame, id & 0x7FFF_FFFF);
            WriteFlagsAndLength(frame, fin && data.IsEmpty ? FlagFin : (byte)0, chunk.Length);
            chunk.CopyTo(frame.AsMemory(8));
            await WriteFrame(frame, ct);
        }
        while (!data.IsEmpty);
    }

    async ValueTask WriteControl(ushort type, byte flags, byte[] payload, CancellationToken ct)
    {
        var frame = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)(0x8000 | Version));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), type);
        WriteFlagsAndLength(frame, flags, payload.Length);
        payload.CopyTo(frame, 8);
        await WriteFrame(frame, ct);
    }

    /// <summary>One write per frame: over the WebSocket tunnel that is one binary message per frame.</summary>
    async ValueTask WriteFrame(byte[] frame, CancellationToken ct)
    {
        await _write.WaitAsync(ct);
        try
        {
            await transport.WriteAsync(frame, ct);
            await transport.FlushAsync(ct);
        }
        finally
        {
            _write.Release();
        }
    }

    static void WriteFlagsAndLength(byte[] frame, byte flags, int length)
    {
        frame[4] = flags;
        frame[5] = (byte)(length >> 16);
        frame[6] = (byte)(length >> 8);
        frame[7] = (byte)length;
    }

    static byte[] Words(params ReadOnlySpan<uint> words)
    {
        var bytes = new byte[words.Length * 4];
        for (var i = 0; i < words.Length; i++) BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(i * 4), words[i]);
        return bytes;
    }

    static async Task Quietly(Func<ValueTask> write)
    {
        try
        {
            await write();
        }
        catch (Exception e) when (e is IOException or WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection is gone; there is nobody to tell.
        }
    }

    /// <summary>Header blocks from the client share one zlib stream with SPDY's preset dictionary.</summary>
    byte[] Inflate(ReadOnlySpan<byte> compressed)
    {
        _inflater.SetInput(compressed.ToArray());
        using var output = new MemoryStream();
        var buffer = new byte[4096];
        while (true)
        {
            var n = _inflater.Inflate(buffer);
            if (n > 0)
            {
                output.Write(buffer, 0, n);
                continue;
            }
            if (_inflater.IsNeedingDictionary)
            {
                _inflater.SetDictionary(SpdyDictionary.Bytes);
                continue;
            }
            break;
        }
        return output.ToArray();
    }

    /// <summary>
    /// Our header blocks go out as stored (uncompressed) deflate blocks in one zlib stream without a dictionary: valid
    /// for any zlib reader, Go's included, and each block ends exactly where its frame ends.
    /// </summary>
    byte[] CompressHeaderBlock(byte[] block)
    {
        // Only empty replies are sent, far below a stored block's 65535-byte limit.
        var output = new List<byte>(block.Length + 12);
        if (!_compressorStarted)
        {
            output.AddRange([0x78, 0x01]);
            _compressorStarted = true;
        }
        var length = (ushort)block.Length;
        output.Add(0x00); // BFINAL=0, BTYPE=00 (stored), padded to the byte
        output.AddRange([(byte)length, (byte)(length >> 8), (byte)~length, (byte)(~length >> 8)]);
        output.AddRange(block);
        // Then an empty stored block, the sync-flush marker zlib writers end each header block with: Go's inflater
        // hands out a non-empty stored block's bytes only once it has read the next block's header, and that header
        // must be inside this frame (spdystream fails a frame whose decompression reads past it).
        output.AddRange([0x00, 0x00, 0x00, 0xFF, 0xFF]);
        return [.. output];
    }

    /// <summary>A name/value header block: 32-bit big-endian counts and lengths; several values are NUL-separated.</summary>
    static Dictionary<string, string> ParseHeaderBlock(byte[] block)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (block.Length < 4) throw new InvalidDataException("SPDY header block too short");
        var count = BinaryPrimitives.ReadUInt32BigEndian(block);
        var at = 4;
        for (var i = 0; i < count; i++)
        {
            var name = Next();
            var value = Next();
            headers[name] = value.Split('\0')[0];
        }
        return headers;

        string Next()
        {
            if (block.Length < at + 4) throw new InvalidDataException("SPDY header block truncated");
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(block.AsSpan(at));
            at += 4;
            if (length < 0 || block.Length < at + length) throw new InvalidDataException("SPDY header block truncated");
            var text = Encoding.UTF8.GetString(block, at, length);
            at += length;
            return text;
        }
    }
}

/// <summary>
/// SPDY/3's zlib dictionary for header blocks (draft-mbelshe-httpbis-spdy-00 §2.6.10.1): length-prefixed header names
/// and values, then status codes, dates and common values. 1423 bytes, Adler-32 0xE3C6A7C2 (the id clients put in
/// their zlib header).
/// </summary>
internal static class SpdyDictionary
{
    static readonly string[] Words =
    [
        "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset", "accept-encoding",
        "accept-language", "accept-ranges", "age", "allow", "authorization", "cache-control", "connection",
        "content-base", "content-encoding", "content-language", "content-length", "content-location", "content-md5",
        "content-range", "content-type", "date", "etag", "expect", "expires", "from", "host", "if-match",
        "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "last-modified", "location",
        "max-forwards", "pragma", "proxy-authenticate", "proxy-authorization", "range", "referer", "retry-after",
        "server", "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "vary", "via", "warning",
        "www-authenticate", "method", "get", "status", "200 OK", "version", "HTTP/1.1", "url", "public", "set-cookie",
        "keep-alive", "origin",
    ];

    const string Tail =
        "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
        + "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized"
        + "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable"
        + "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT"
        + "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
        + "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";

    public static byte[] Bytes { get; } = Build();

    static byte[] Build()
    {
        using var output = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        foreach (var word in Words)
        {
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)word.Length);
            output.Write(length);
            output.Write(Encoding.ASCII.GetBytes(word));
        }
        output.Write(Encoding.ASCII.GetBytes(Tail));
        return output.ToArray();
    }
}
