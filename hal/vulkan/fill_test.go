package vulkan

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// applyPlan runs a fill plan on host memory the way the device does:
// vkCmdFillBuffer for the middle, masked word merges for the edges.
func applyPlan(mem []byte, base uint64, p *fillPlan) {
	for o := p.midOff; o < p.midOff+p.midSize; o += 4 {
		binary.LittleEndian.PutUint32(mem[o:], p.value)
	}
	for i := 0; i < p.nedges; i++ {
		e := p.edges[i]
		o := e.addr - base
		w := binary.LittleEndian.Uint32(mem[o:])
		binary.LittleEndian.PutUint32(mem[o:], w&^e.mask|p.value&e.mask)
	}
}

func checkFillPlan(t *testing.T, off, n uint64, pattern uint32, ps int) {
	const size = 256
	const base = 0x10000
	mem := bytes.Repeat([]byte{0xcc}, size)
	want := bytes.Repeat([]byte{0xcc}, size)
	for i := uint64(0); i < n; i++ {
		want[off+i] = byte(pattern >> (8 * (i % uint64(ps))))
	}
	p := planFillIn(&allocation{base: base, size: size}, off, n, pattern, ps)
	if p.midOff%4 != 0 || p.midSize%4 != 0 {
		t.Fatalf("off %d n %d ps %d: unaligned middle [%d, +%d)", off, n, ps, p.midOff, p.midSize)
	}
	for i := 0; i < p.nedges; i++ {
		if p.edges[i].addr%4 != 0 || p.edges[i].mask == 0 || p.edges[i].mask == 0xffffffff && p.midSize > 0 {
			t.Fatalf("off %d n %d ps %d: edge %+v", off, n, ps, p.edges[i])
		}
	}
	applyPlan(mem, base, p)
	if !bytes.Equal(mem, want) {
		t.Fatalf("off %d n %d ps %d pattern %#x:\n got %x\nwant %x", off, n, ps, pattern, mem, want)
	}
}

func TestFillPlan(t *testing.T) {
	for _, ps := range []int{1, 2, 4} {
		for off := uint64(0); off < 12; off += uint64(ps) {
			for n := uint64(ps); off+n <= 64; n += uint64(ps) {
				checkFillPlan(t, off, n, 0x89abcdef, ps)
			}
		}
	}
}

func FuzzFillPlan(f *testing.F) {
	f.Add(uint8(1), uint8(3), uint32(0x11223344), uint8(1))
	f.Add(uint8(2), uint8(10), uint32(0xbeef), uint8(2))
	f.Add(uint8(0), uint8(16), uint32(0x01020304), uint8(4))
	f.Fuzz(func(t *testing.T, off, n uint8, pattern uint32, psSel uint8) {
		ps := []int{1, 2, 4}[psSel%3]
		o := uint64(off) &^ uint64(ps-1)
		length := uint64(n) &^ uint64(ps-1)
		if length == 0 || o+length > 256 {
			return
		}
		checkFillPlan(t, o, length, pattern, ps)
	})
}
