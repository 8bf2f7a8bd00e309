"""Parser for the packetdrill script format, as used by the FreeBSD TCP test suite.

Interface:
    parse_file(path, defines={"STANDARD"}) -> Script
    parse_text(text, name, defines) -> Script
A Script holds its command-line options (`--tolerance_usecs=...`) and a list of Events.  Each
Event has a timing (kind "abs", "rel", "any" or "range" with start/end in seconds), a line
number, and one of these payloads:
    Packet  -- `<` (inbound, we inject it) or `>` (outbound, the stack must send it)
    Syscall -- `name(args) = ret [ERRNO (text)]`
    Shell   -- a backtick command
    Python  -- a `%{ ... }%` block (only the `assert tcpi_X == Y` form is understood later)

The grammar covers exactly what the scripts in /work/shared/conformance use: relative (`+0.1`),
absolute (`0.00`), wildcard (`*`) and range (`1.00...6.00`) times; `#ifdef NAME`/`#endif`
blocks (we define STANDARD: the RFC behaviour, not the FreeBSD one); `//` comments, also at the
end of a line; backtick commands that span lines; packets with an optional IP part `(ttl N)` or
`(tos 0xN)`, flags (`S . F R P E W U`), `start:end(len)` or `...(len)` sequence, optional `!`,
`ack N`, `urg N`, `win N`, options `<mss N,nop,eol,sackOK,wscale N,TS val N ecr N,sack a:b c:d,md5 valid>`
or `<...>`, and an optional `/udp(sport > dport)` encapsulation suffix.
"""
import re


class ParseError(Exception):
    def __init__(self, name, line, msg):
        super().__init__(f"{name}:{line}: {msg}")
        self.line = line


class Timing:
    __slots__ = ("kind", "t", "end")

    def __init__(self, kind, t=0.0, end=None):
        self.kind, self.t, self.end = kind, t, end

    def __repr__(self):
        return f"Timing({self.kind},{self.t},{self.end})"


class Option:
    """One TCP option as written in a script: kind is a name, value depends on kind."""
    __slots__ = ("kind", "value")

    def __init__(self, kind, value=None):
        self.kind, self.value = kind, value

    def __repr__(self):
        return f"{self.kind}{'' if self.value is None else ' ' + str(self.value)}"


class Packet:
    def __init__(self):
        self.direction = None      # "<" inbound, ">" outbound
        self.flags = ""            # canonical letters from "SFRP.EWU"
        self.seq = None            # None for "..."
        self.end = None
        self.length = 0
        self.ack = None
        self.win = None
        self.urg = None            # the urgent pointer field, when given (`urg N`)
        self.options = None        # None: not given; list of Option; "any" for <...>
        self.ttl = None
        self.tos = None
        self.udp_encap = None      # (sport, dport) or None
        self.bang = False


class Syscall:
    def __init__(self, name, args, ret, errno):
        self.name, self.args, self.ret, self.errno = name, args, ret, errno


class Shell:
    def __init__(self, cmd):
        self.cmd = cmd


class Python:
    def __init__(self, code):
        self.code = code


class Event:
    def __init__(self, timing, line, payload, text):
        self.timing, self.line, self.payload, self.text = timing, line, payload, text


class Script:
    def __init__(self, name):
        self.name = name
        self.options = {}
        self.events = []


# ---------------------------------------------------------------------------------------------
# Lexical helpers

def strip_comment(line):
    """Remove a // comment that is outside backticks and quotes."""
    inq = None
    i = 0
    while i < len(line):
        c = line[i]
        if inq:
            if c == inq:
                inq = None
        elif c in "`'\"":
            inq = c
        elif c == "/" and line.startswith("//", i):
            return line[:i]
        i += 1
    return line


def logical_lines(text):
    """Yield (lineno, text) with comments removed and multi-line backticks/%{ }% joined."""
    pending = None
    start = 0
    for n, raw in enumerate(text.split("\n"), 1):
        if pending is not None:
            pending += " " + raw.strip()
            if pending.count("`") % 2 == 0 and ("%{" not in pending or "}%" in pending):
                yield start, pending
                pending = None
            continue
        line = strip_comment(raw).rstrip()
        if not line.strip():
            continue
        if line.count("`") % 2 == 1 or ("%{" in line and "}%" not in line):
            pending, start = line, n
            continue
        yield n, line
    if pending is not None:
        yield start, pending


TIME_RE = re.compile(r"^\s*(?:(\*)|(\+)?\s*(\d+(?:\.\d*)?)(?:\.\.\.(\d+(?:\.\d*)?))?)\s*")


def parse_timing(s):
    m = TIME_RE.match(s)
    if not m or m.end() == 0:
        return None, s
    if m.group(1):
        return Timing("any"), s[m.end():]
    if m.group(3) is None:
        return None, s
    t = float(m.group(3))
    if m.group(4):
        return Timing("range", t, float(m.group(4))), s[m.end():]
    return Timing("rel" if m.group(2) else "abs", t), s[m.end():]


# ---------------------------------------------------------------------------------------------
# Packets

SEQ_RE = re.compile(r"^(?:(\d+):(\d+)|(\.\.\.))\((\d+)\)(!?)")
FLAG_CHARS = set("SFRP.EWUC")


def parse_options(body, name, ln):
    body = body.strip()
    if body == "...":
        return "any"
    opts = []
    for part in body.split(","):
        toks = part.split()
        if not toks:
            raise ParseError(name, ln, f"empty option in <{body}>")
        k = toks[0]
        if k in ("nop", "eol", "sackOK") and len(toks) == 1:
            opts.append(Option(k))
        elif k in ("mss", "wscale") and len(toks) == 2:
            opts.append(Option(k, int(toks[1], 0)))
        elif k == "TS" and len(toks) == 5 and toks[1] == "val" and toks[3] == "ecr":
            opts.append(Option("TS", (int(toks[2]), int(toks[4]))))
        elif k == "sack" and len(toks) >= 2:
            blocks = []
            for b in toks[1:]:
                a, _, e = b.partition(":")
                blocks.append((int(a), int(e)))
            opts.append(Option("sack", blocks))
        elif k == "md5" and len(toks) == 2:
            opts.append(Option("md5", toks[1]))
        else:
            raise ParseError(name, ln, f"unknown TCP option '{part.strip()}'")
    return opts


def parse_packet(s, name, ln):
    p = Packet()
    p.direction = s[0]
    s = s[1:].strip()
    m = re.match(r"^/udp\((\d+)\s*>\s*(\d+)\)\s*$", s[s.rfind("/udp("):] if "/udp(" in s else "")
    if m:
        p.udp_encap = (int(m.group(1)), int(m.group(2)))
        s = s[:s.rfind("/udp(")].strip()
    while s.startswith("("):
        close = s.find(")")
        if close < 0:
            raise ParseError(name, ln, "unclosed IP field list")
        for field in s[1:close].split(","):
            k, _, v = field.strip().partition(" ")
            if k == "ttl":
                p.ttl = int(v, 0)
            elif k == "tos":
                p.tos = int(v, 0)
            else:
                raise ParseError(name, ln, f"unknown IP field '{k}'")
        s = s[close + 1:].strip()
    flags, _, s = s.partition(" ")
    if not flags or not set(flags) <= FLAG_CHARS:
        raise ParseError(name, ln, f"bad TCP flags '{flags}'")
    p.flags = flags
    s = s.strip()
    m = SEQ_RE.match(s)
    if not m:
        raise ParseError(name, ln, f"bad sequence field in '{s}'")
    if m.group(3):
        p.seq = None
    else:
        p.seq, p.end = int(m.group(1)), int(m.group(2))
    p.length = int(m.group(4))
    p.bang = bool(m.group(5))
    if p.seq is not None and (p.end - p.seq) % (1 << 32) != p.length:
        raise ParseError(name, ln, "sequence range does not match the length")
    s = s[m.end():].strip()
    while s:
        if s.startswith("ack "):
            tok = s[4:].lstrip().split(None, 1)
            p.ack = int(tok[0])
            s = tok[1] if len(tok) > 1 else ""
        elif s.startswith("win "):
            tok = s[4:].lstrip().split(None, 1)
            p.win = int(tok[0])
            s = tok[1] if len(tok) > 1 else ""
        elif s.startswith("urg "):
            tok = s[4:].lstrip().split(None, 1)
            p.urg = int(tok[0])
            s = tok[1] if len(tok) > 1 else ""
        elif s.startswith("<"):
            close = s.find(">")
            if close < 0:
                raise ParseError(name, ln, "unclosed option list")
            p.options = parse_options(s[1:close], name, ln)
            s = s[close + 1:]
        else:
            raise ParseError(name, ln, f"unexpected '{s}' in packet")
        s = s.strip()
    return p


# ---------------------------------------------------------------------------------------------
# System calls

def split_args(s):
    """Split on commas that are not nested in [], (), {}."""
    out, depth, cur = [], 0, ""
    for c in s:
        if c in "[({":
            depth += 1
        elif c in "])}":
            depth -= 1
        if c == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += c
    if cur.strip() or out:
        out.append(cur.strip())
    return out


SYSCALL_RE = re.compile(r"^([a-z_0-9]+)\((.*)\)\s*=\s*(.*)$")


def parse_syscall(s, name, ln):
    m = SYSCALL_RE.match(s)
    if not m:
        raise ParseError(name, ln, f"cannot parse '{s}'")
    args = split_args(m.group(2))
    rhs = m.group(3).strip()
    rm = re.match(r"^(-?(?:0x[0-9a-fA-F]+|\d+))\s*(?:([A-Z][A-Z0-9_]*))?\s*(?:\((.*)\))?\s*$", rhs)
    if not rm:
        raise ParseError(name, ln, f"bad return value '{rhs}'")
    ret = int(rm.group(1), 0)
    errno = rm.group(2)
    return Syscall(m.group(1), args, ret, errno)


# ---------------------------------------------------------------------------------------------

def parse_text(text, name, defines=("STANDARD",)):
    sc = Script(name)
    skipping = []          # stack of booleans: True = this #ifdef block is excluded
    for ln, line in logical_lines(text):
        st = line.strip()
        if st.startswith("#ifdef"):
            skipping.append(st.split()[1] not in defines)
            continue
        if st.startswith("#ifndef"):
            skipping.append(st.split()[1] in defines)
            continue
        if st.startswith("#else"):
            if not skipping:
                raise ParseError(name, ln, "#else without #ifdef")
            skipping[-1] = not skipping[-1]
            continue
        if st.startswith("#endif"):
            if not skipping:
                raise ParseError(name, ln, "#endif without #ifdef")
            skipping.pop()
            continue
        if any(skipping):
            continue
        if st.startswith("--"):
            k, _, v = st[2:].partition("=")
            sc.options[k] = v
            continue
        timing, rest = parse_timing(line)
        if timing is None and st.startswith("`"):
            # An untimed command (before the first event) runs at once.
            timing, rest = Timing("rel", 0.0), st
        if timing is None:
            raise ParseError(name, ln, f"missing time in '{st}'")
        rest = rest.strip()
        if rest.startswith("`"):
            if not rest.endswith("`"):
                raise ParseError(name, ln, "unterminated backtick command")
            payload = Shell(rest[1:-1].strip())
        elif rest.startswith("%{"):
            end = rest.rfind("}%")
            if end < 0:
                raise ParseError(name, ln, "unterminated %{ block")
            payload = Python(rest[2:end].strip())
        elif rest[:1] in "<>":
            payload = parse_packet(rest, name, ln)
        else:
            payload = parse_syscall(rest, name, ln)
        sc.events.append(Event(timing, ln, payload, st))
    if skipping:
        raise ParseError(name, 0, "unterminated #ifdef")
    return sc


def parse_file(path, defines=("STANDARD",)):
    with open(path, "r", errors="replace") as f:
        return parse_text(f.read(), path, defines)
