"""A TCP proxy on loopback that a test can cut and restore: a real network fault.

Run as its own process (``python -m tests.support.proxy TARGET_PORT``): it prints
the port it listens on, forwards every connection to 127.0.0.1:TARGET_PORT, and on
SIGUSR1 stops listening and breaks every open connection until SIGUSR2.
``Proxy`` starts and drives one from a test.
"""
import asyncio
import signal
import socket
import subprocess
import sys
import time


class Proxy:
    """A proxy process in front of ``target_port``; ``cut()`` and ``restore()`` it."""

    def __init__(self, target_port):
        self.process = subprocess.Popen([sys.executable, "-m", "tests.support.proxy",
                                         str(target_port)], stdout=subprocess.PIPE, text=True)
        self.port = int(self.process.stdout.readline())

    def cut(self):
        self.process.send_signal(signal.SIGUSR1)

    def restore(self, timeout=10):
        """Listen again, and return once the port takes connections (the proxy rebinds
        it on its own time)."""
        self.process.send_signal(signal.SIGUSR2)
        deadline = time.monotonic() + timeout
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"the proxy did not listen on {self.port} again "
                                         f"within {timeout}s") from None
                time.sleep(0.05)

    def close(self):
        self.process.terminate()
        self.process.wait(10)


async def serve(target_port):
    up, links = [True], {}

    async def pipe(reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def accept(client_reader, client_writer):
        if not up[0]:
            client_writer.close()
            return
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            client_writer.close()
            return
        tasks = [asyncio.ensure_future(pipe(client_reader, server_writer)),
                 asyncio.ensure_future(pipe(server_reader, client_writer))]
        links[id(tasks)] = (tasks, client_writer, server_writer)
        await asyncio.wait(tasks)
        links.pop(id(tasks), None)

    servers = [await asyncio.start_server(accept, "127.0.0.1", 0)]
    port = servers[0].sockets[0].getsockname()[1]

    def cut():
        """Stop listening (new connections are refused) and break every open one."""
        up[0] = False
        servers[0].close()
        for tasks, *writers in list(links.values()):
            for writer in writers:
                writer.transport.abort()
            for task in tasks:
                task.cancel()

    async def listen_again():
        await servers[0].wait_closed()
        for _ in range(100):             # until the port can be bound again
            try:
                servers[0] = await asyncio.start_server(accept, "127.0.0.1", port,
                                                        reuse_address=True)
                break
            except OSError as exc:
                print(f"proxy: cannot listen on {port} yet ({exc})", file=sys.stderr)
                await asyncio.sleep(0.1)
        up[0] = True

    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, cut)
    loop.add_signal_handler(signal.SIGUSR2, lambda: asyncio.ensure_future(listen_again()))
    print(port, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
