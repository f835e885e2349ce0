package dl

import (
	"errors"
	"testing"
)

func TestOpenLibc(t *testing.T) {
	l, err := Open("libc.so.6")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Sym("malloc"); err != nil {
		t.Fatal(err)
	}
	_, err = l.Sym("no_such_symbol_streamhal")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing symbol: got %v, want ErrNotFound", err)
	}
}

func TestOpenMissing(t *testing.T) {
	_, err := Open("libdoesnotexist_streamhal.so.1", "libalsomissing.so")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v, want ErrNotFound", err)
	}
}
