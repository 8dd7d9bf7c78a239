using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.WebSockets;

namespace Portal.Sandbox.Api;

/// <summary>
/// The kubelet's WebSocket port-forward (pkg/kubelet/cri/streaming/portforward/websocket.go over apiserver wsstream):
/// per requested port a data channel 2i (read-write) and an error channel 2i+1 (write-only). Every message starts with
/// its channel byte (in the base64 protocol an ASCII digit, then base64 text); the first message on each channel
/// carries the port as 2 bytes little-endian. v4 has no per-channel close: the socket closes once every port is done.
/// </summary>
internal sealed class ChannelSession(WebSocket socket, bool base64, JsonObject pod, int[] ports, PodDialer dialer)
{
    readonly SemaphoreSlim _send = new(1, 1);

    public async Task RunAsync(CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var fromClient = ports.Select(_ => new Pipe()).ToArray();
        var prefix = new byte[2];
        for (var i = 0; i < ports.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(prefix, (ushort)ports[i]);
            await Send(2 * i, prefix, stop.Token);
            await Send(2 * i + 1, prefix, stop.Token);
        }
        var reader = ReadLoop(fromClient, stop.Token);
        await Task.WhenAll(ports.Select((port, i) => ForwardPort(i, port, fromClient[i].Reader, stop.Token)));

        // Every port is done: close, and give the client a moment to answer the close before dropping the socket.
        await CloseOutput();
        await Task.WhenAny(reader, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
        stop.Cancel();
        try { await reader; }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException)
        {
            // The read loop was stopped or the client dropped the connection.
        }
    }

    async Task ForwardPort(int index, int port, PipeReader fromClient, CancellationToken ct)
    {
        try
        {
            await PortForward.Forward(dialer, pod, port, fromClient, (data, t) => Send(2 * index, data, t), ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is not (WebSocketException or IOException or OperationCanceledException))
        {
            await SendQuietly(2 * index + 1, Encoding.UTF8.GetBytes(PortForward.ErrorText(pod, port, e)), ct);
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException)
        {
            // The client went away while copying.
        }
    }

    async Task ReadLoop(Pipe[] fromClient, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        var text = new StringBuilder();
        try
        {
            var atStart = true;
            var channel = -1;
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, ct);
                if (result.MessageType == WebSocketMessageType.Close) return;
                var offset = 0;
                if (atStart)
                {
                    if (result.Count == 0)
                    {
                        atStart = result.EndOfMessage;
                        continue;
                    }
                    channel = base64 ? buffer[0] - '0' : buffer[0];
                    offset = 1;
                }
                atStart = result.EndOfMessage;
                // Only data channels are readable; anything else is ignored, as wsstream does.
                if (channel < 0 || channel % 2 != 0 || channel / 2 >= fromClient.Length) continue;
                var writer = fromClient[channel / 2].Writer;
                if (base64)
                {
                    text.Append(Encoding.ASCII.GetString(buffer, offset, result.Count - offset));
                    if (!result.EndOfMessage) continue;
                    var decoded = Convert.FromBase64String(text.ToString());
                    text.Clear();
                    await writer.WriteAsync(decoded, ct);
                }
                else if (result.Count > offset)
                {
                    // Backpressure: a pod that reads slowly holds the socket's reader, as the kubelet's copy does.
                    await writer.WriteAsync(buffer.AsMemory(offset, result.Count - offset), ct);
                }
            }
        }
        finally
        {
            foreach (var pipe in fromClient) await pipe.Writer.CompleteAsync();
        }
    }

    async ValueTask Send(int channel, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        await _send.WaitAsync(ct);
        try
        {
            if (base64)
            {
                var message = Encoding.ASCII.GetBytes((char)('0' + channel) + Convert.ToBase64String(data.Span));
                await socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, ct);
                return;
            }
            var frame = ArrayPool<byte>.Shared.Rent(data.Length + 1);
            try
            {
                frame[0] = (byte)channel;
                data.CopyTo(frame.AsMemory(1));
                await socket.SendAsync(frame.AsMemory(0, data.Length + 1), WebSocketMessageType.Binary, endOfMessage: true, ct);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(frame);
            }
        }
        finally
        {
            _send.Release();
        }
    }

    async Task SendQuietly(int channel, byte[] data, CancellationToken ct)
    {
        try
        {
            await Send(channel, data, ct);
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException)
        {
            // Nobody left to tell.
        }
    }

    async Task CloseOutput()
    {
        await _send.WaitAsync(CancellationToken.None);
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException)
        {
            // The client is already gone.
        }
        finally
        {
            _send.Release();
        }
    }
}
