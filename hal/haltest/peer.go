package haltest

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// peerEnv names the test that a re-executed test binary runs as a peer.
const peerEnv = "STREAM_HAL_TEST_PEER"

// Peer is a second process for interprocess tests (IPC handles): the test
// binary re-executed with only the test selected, joined to the first
// process by a pipe each way. The peer runs the same test function, which
// tells the two roles apart with IsPeer; both talk with Send and Recv.
type Peer struct {
	t    testing.TB
	cmd  *exec.Cmd
	w    *os.File      // to the other process
	r    *bufio.Reader // from the other process
	out  *lockedBuffer // the peer's output (nil in the peer)
	done chan error    // the peer's exit (nil in the peer)
	once sync.Once
	err  error
}

// IsPeer reports whether this process is the peer StartPeer started for t.
func IsPeer(t testing.TB) bool { return os.Getenv(peerEnv) == t.Name() }

// StartPeer starts the peer of t, a top-level test; in the peer itself it
// returns the connection to the first process. The peer's verdict is
// checked when t ends (Wait checks it earlier): a peer that failed fails
// t, with its output.
func StartPeer(t *testing.T) *Peer {
	t.Helper()
	if IsPeer(t) {
		return &Peer{t: t, w: os.NewFile(4, "peer-out"), r: bufio.NewReader(os.NewFile(3, "peer-in"))}
	}
	toPeer, peerIn, err := pipe()
	if err != nil {
		t.Fatal(err)
	}
	peerOut, fromPeer, err := pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.count=1", "-test.v", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), peerEnv+"="+t.Name())
	cmd.ExtraFiles = []*os.File{toPeer, fromPeer} // fds 3 and 4 in the peer
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	toPeer.Close()
	fromPeer.Close()
	p := &Peer{t: t, cmd: cmd, w: peerIn, r: bufio.NewReader(peerOut), out: out, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		p.w.Close()
		p.Wait()
	})
	return p
}

func pipe() (r, w *os.File, err error) { return os.Pipe() }

// lockedBuffer collects the peer's output, written by exec's copying
// goroutine while the test may read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// Send sends one message (any bytes) to the other process.
func (p *Peer) Send(msg []byte) {
	p.t.Helper()
	if _, err := fmt.Fprintf(p.w, "%s\n", hex.EncodeToString(msg)); err != nil {
		p.t.Fatalf("send to the other process: %v", err)
	}
}

// SendString sends a text message.
func (p *Peer) SendString(s string) { p.t.Helper(); p.Send([]byte(s)) }

// Recv receives the next message from the other process; it fails the
// test when the other process is gone or is silent for a minute.
func (p *Peer) Recv() []byte {
	p.t.Helper()
	type line struct {
		s   string
		err error
	}
	ch := make(chan line, 1)
	go func() {
		s, err := p.r.ReadString('\n')
		ch <- line{s, err}
	}()
	select {
	case l := <-ch:
		if l.err != nil {
			p.t.Fatalf("receive from the other process: %v%s", l.err, p.output())
		}
		b, err := hex.DecodeString(strings.TrimSpace(l.s))
		if err != nil {
			p.t.Fatalf("receive from the other process: %v", err)
		}
		return b
	case <-time.After(time.Minute):
		p.t.Fatalf("receive from the other process: nothing for a minute%s", p.output())
	}
	return nil
}

// Expect receives a text message and fails the test unless it is want.
func (p *Peer) Expect(want string) {
	p.t.Helper()
	if got := string(p.Recv()); got != want {
		p.t.Fatalf("the other process said %q, want %q", got, want)
	}
}

// Wait waits for the peer to exit and fails the test unless its test
// passed (or skipped). In the peer it does nothing.
func (p *Peer) Wait() {
	p.t.Helper()
	if p.done == nil {
		return
	}
	p.once.Do(func() {
		select {
		case p.err = <-p.done:
		case <-time.After(2 * time.Minute):
			p.cmd.Process.Kill()
			p.err = fmt.Errorf("the peer did not exit in 2 minutes")
		}
		name := p.t.Name()
		out := p.out.Bytes()
		if p.err != nil || !(bytes.Contains(out, []byte("--- PASS: "+name)) || bytes.Contains(out, []byte("--- SKIP: "+name))) {
			p.t.Errorf("peer process (%s=%s): %v%s", peerEnv, name, p.err, p.output())
		} else if testing.Verbose() {
			p.t.Logf("peer process:\n%s", tail(out, 4000))
		}
	})
}

func (p *Peer) output() string {
	if p.out == nil {
		return ""
	}
	return "\npeer output:\n" + string(tail(p.out.Bytes(), 8000))
}

// PeerBytes returns n bytes that differ from byte to byte, from page to
// page and from seed to seed: what one process of an interprocess test
// stores and the other, computing the same, checks with SameBytes.
func PeerBytes(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31+i>>8) ^ seed
	}
	return b
}

// SameBytes fails t at the first of want's bytes that got (at least as
// long) does not repeat.
func SameBytes(t testing.TB, what string, got, want []byte) {
	t.Helper()
	if len(got) < len(want) {
		t.Fatalf("%s: %d bytes, want %d", what, len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s: byte %d is %#x, want %#x", what, i, got[i], want[i])
		}
	}
}
