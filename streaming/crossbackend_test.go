package streaming_test

import (
	"errors"
	"testing"

	"github.com/streamhal/streamhal/hal/haltest"
	"github.com/streamhal/streamhal/streaming"
)

// Copies between a CPU device and a Vulkan device (lavapipe in CI) go
// through the host, in both directions, and memsets reach the other side.
func TestCrossBackendCopy(t *testing.T) {
	rt, err := streaming.Open(streaming.Options{Backends: []string{"cpu", "vulkan"}})
	if errors.Is(err, streaming.ErrNotFound) && !haltest.Require("vulkan") {
		t.Skipf("no vulkan driver in this build: %v", err)
	}
	haltest.SkipUnavailable(t, "vulkan", err)
	defer rt.Close()
	var cpu, vk *streaming.Device
	for _, d := range rt.Devices() {
		switch d.Backend() {
		case "cpu":
			cpu = d
		case "vulkan":
			if vk == nil {
				vk = d
			}
		}
	}
	if cpu == nil || vk == nil {
		t.Fatalf("devices: %v", rt.Devices())
	}
	if cpu.CanAccessPeer(vk) || vk.CanAccessPeer(cpu) {
		t.Error("devices of different drivers report peer access")
	}
	cc, err := cpu.NewContext(0)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	vc, err := vk.NewContext(0)
	if err != nil {
		t.Fatal(err)
	}
	defer vc.Close()
	const n = 3<<20 + 1
	src := make([]byte, n)
	for i := range src {
		src[i] = byte(i*7 + 1)
	}
	pc, _ := cc.Malloc(n)
	pv, _ := vc.Malloc(n)
	pc2, _ := cc.Malloc(n)
	if err := cc.MemcpyHtoD(pc, src); err != nil {
		t.Fatal(err)
	}
	// CPU -> Vulkan on a CPU stream, then Vulkan -> CPU on a Vulkan stream.
	if err := cc.DefaultStream().MemcpyAsync(pv, pc, n); err != nil {
		t.Fatal(err)
	}
	if err := vc.DefaultStream().MemcpyAsync(pc2, pv, n); err != nil {
		t.Fatal(err)
	}
	syncStream(t, vc.DefaultStream())
	got := make([]byte, n)
	if err := cc.MemcpyDtoH(got, pc2); err != nil {
		t.Fatal(err)
	}
	if string(got) != string(src) {
		t.Fatal("data differs after CPU -> Vulkan -> CPU")
	}
	// A memset issued on a CPU stream for Vulkan memory.
	if err := cc.DefaultStream().MemsetD32Async(pv+4, 0xA1B2C3D4, 10); err != nil {
		t.Fatal(err)
	}
	small := make([]byte, 48)
	if err := vc.MemcpyDtoH(small, pv); err != nil {
		t.Fatal(err)
	}
	if string(small[:4]) != string(src[:4]) || small[4] != 0xD4 || small[43] != 0xA1 || small[44] != src[44] {
		t.Errorf("cross-backend memset: %x", small)
	}
}
