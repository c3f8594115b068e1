"""
The `aws` a build runs when the AWS CLI server runs (aws-cli-server.py): hands the call (arguments, environment,
working folder, standard streams) to the server, and exits as the forked CLI did. When the server says the call
must start afresh, or cannot be reached, it becomes the CLI itself (exec).

Usage: python3 -I -S aws-cli-launcher.py <socket path> <cli entry script> [aws arguments...]
"""
import json
import os
import signal
import socket
import struct
import sys

socket_path, cli, args = sys.argv[1], sys.argv[2], sys.argv[3:]


def run_fresh():
    os.execv(cli, [cli] + args)


def read_exactly(conn, size):
    data = b''
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


try:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(socket_path)
except OSError:
    run_fresh()
body = json.dumps({'args': args, 'env': dict(os.environ), 'cwd': os.getcwd()}).encode('utf-8')
message = struct.pack('!I', len(body)) + body
sent = socket.send_fds(conn, [message], [0, 1, 2])
# Only what is left: a server that answered "start afresh" has closed its end, and even an empty send to a
# closed socket fails (EPIPE).
if sent < len(message):
    conn.sendall(message[sent:])
answer = read_exactly(conn, 1)
if answer == b'F':
    run_fresh()
status = read_exactly(conn, 4) if answer == b'X' else None
if status is None:
    sys.stderr.write('aws (forked): the AWS CLI server ended without an exit status\n')
    sys.exit(255)
code = struct.unpack('!i', status)[0]
if code < 0:
    # Ended by a signal, as a fresh CLI would be: end the same way.
    signal.signal(-code, signal.SIG_DFL)
    os.kill(os.getpid(), -code)
sys.exit(code)
