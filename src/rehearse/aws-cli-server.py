"""
The AWS CLI v2, imported once and forked per call (docs/rehearsal.md, "The AWS CLI, forked").

A fresh `aws` spends about a second importing awscli and botocore before it reads its arguments. This server
imports the CLI's modules once, then forks per call: the child is the process a fresh start would be after
those imports, and runs the CLI's own entry script with the call's arguments, environment, working folder and
standard streams (passed over the socket). A call is forked only when every environment variable the imports
read (recorded while they ran, not listed by hand) and every variable the interpreter reads at start-up has the
value it had here; any other call is answered "F" (fresh) and its launcher starts the CLI as a new process. A forked
call is answered "X" and its exit status (negative: the signal that ended it).

Usage: python3 aws-cli-server.py <cli entry script> <socket path>. It prints "ready" when it listens, then
"forked" or "fresh" for each call, and exits when its standard input closes (its parent is gone).
"""
import atexit
import collections.abc
import gc
import json
import os
import socket
import struct
import sys
import threading

cli, socket_path = sys.argv[1], sys.argv[2]


class RecordingEnvironment(collections.abc.MutableMapping):
    """os.environ, recording which variables are read (None in `read`: all of them, by iterating or copying)."""

    def __init__(self, environ):
        self.environ = environ
        self.read = set()

    def __getitem__(self, key):
        self.read.add(key)
        return self.environ[key]

    def __contains__(self, key):
        self.read.add(key)
        return key in self.environ

    def __setitem__(self, key, value):
        self.environ[key] = value

    def __delitem__(self, key):
        del self.environ[key]

    def __iter__(self):
        self.read.add(None)
        return iter(self.environ)

    def __len__(self):
        return len(self.environ)

    def copy(self):
        self.read.add(None)
        return self.environ.copy()


def interpreter_variables(environ):
    """What CPython reads from the environment before any module runs: its own options, the locale."""
    return {k for k in environ if k.startswith('PYTHON') or k.startswith('LC_')} | {'LANG', 'LC_ALL', 'LC_CTYPE', 'PYTHONIOENCODING', 'PYTHONUTF8'}


# The entry script's own folder is first on sys.path when it runs as a program.
sys.path[0] = os.path.dirname(os.path.abspath(cli))
started_with = dict(os.environ)
recording = RecordingEnvironment(os.environ)
os.environ = recording
# The modules a call imports: the driver, and the handlers it loads as its first step.
import awscli.clidriver  # noqa: E402
import awscli.handlers  # noqa: E402
import runpy  # noqa: E402

os.environ = recording.environ
# What the imports did to the environment (awscli sets AWS_DATA_PATH), redone in each child: from the same values
# of what they read, a fresh start would do the same.
imports_set = {k: v for k, v in os.environ.items() if started_with.get(k) != v}
imports_removed = started_with.keys() - os.environ.keys()
# A variable the imports set is judged by its value before them.
pinned = None if None in recording.read else recording.read | interpreter_variables(started_with)


def forkable(env):
    if pinned is None:
        return env == started_with
    return all(env.get(k) == started_with.get(k) for k in pinned | interpreter_variables(env))


def receive(conn):
    head, fds, _, _ = socket.recv_fds(conn, 65536, 3)
    size = struct.unpack('!I', head[:4])[0]
    body = head[4:]
    while len(body) < size:
        chunk = conn.recv(size - len(body))
        if not chunk:
            raise EOFError('launcher closed the socket')
        body += chunk
    return json.loads(body), fds


def run_as_program():
    """
    Runs the entry script and ends as the interpreter would (its exit status, the traceback of an exception, the exit
    handlers, the streams flushed), without the teardown of the modules, which nothing of a call can observe.
    """
    try:
        runpy.run_path(cli, run_name='__main__')
        code = 0
    except SystemExit as exit:
        code = exit.code
        if code is None:
            code = 0
        elif not isinstance(code, int):
            print(code, file=sys.stderr)
            code = 1
    except BaseException:
        sys.excepthook(*sys.exc_info())
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    return code & 0xFF


def serve_call(conn, request, fds):
    pid = os.fork()
    if pid == 0:
        # The child: the call's streams, environment and folder, then the CLI's entry script as a program runs it.
        server.close()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.environ.clear()
        os.environ.update(request['env'])
        os.environ.update(imports_set)
        for key in imports_removed:
            os.environ.pop(key, None)
        os.chdir(request['cwd'])
        sys.argv = [cli] + request['args']
        conn.close()
        os._exit(run_as_program())
    for fd in fds:
        os.close(fd)

    def wait():
        _, status = os.waitpid(pid, 0)
        with conn:
            conn.sendall(b'X' + struct.pack('!i', os.waitstatus_to_exitcode(status)))

    threading.Thread(target=wait, daemon=True).start()


def watch_parent():
    while os.read(0, 4096):
        pass
    os._exit(0)


# The imported modules' objects never change; a child's garbage collector would otherwise walk (and so copy) them.
gc.freeze()
if os.path.exists(socket_path):
    os.unlink(socket_path)
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(socket_path)
server.listen(64)
threading.Thread(target=watch_parent, daemon=True).start()
print('ready', flush=True)
while True:
    conn, _ = server.accept()
    try:
        request, fds = receive(conn)
    except (OSError, EOFError, ValueError):
        conn.close()
        continue
    if forkable(request['env']):
        serve_call(conn, request, fds)
        print('forked', flush=True)
    else:
        print('fresh', flush=True)
        for fd in fds:
            os.close(fd)
        with conn:
            conn.sendall(b'F')
