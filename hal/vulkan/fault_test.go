package vulkan

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/streamhal/streamhal/hal"
)

// TestDeviceLostIsIllegalAddress: VK_ERROR_DEVICE_LOST, how a GPU reports a
// shader's memory fault, is the sticky illegal-address error.
func TestDeviceLostIsIllegalAddress(t *testing.T) {
	err := check(-4, "vkQueueSubmit")
	if !errors.Is(err, hal.ErrIllegalAddress) || !hal.Sticky(err) {
		t.Errorf("VK_ERROR_DEVICE_LOST: %v, want a sticky hal.ErrIllegalAddress", err)
	}
}

// TestHostExecutedNullPointer: on a device that runs shaders on the host
// (lavapipe), a null pointer argument is refused before submission (it
// used to end the process); other devices take it, as CUDA does.
func TestHostExecutedNullPointer(t *testing.T) {
	// In a child process: a regression would end the process.
	const env = "STREAM_HAL_VULKAN_TEST_CHILD"
	if os.Getenv(env) != t.Name() {
		openDevice(t) // skips (or fails, when required) without Vulkan
		cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), env+"="+t.Name())
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--- PASS: "+t.Name()) && !strings.Contains(string(out), "--- SKIP: "+t.Name()) {
			t.Fatalf("child process: %v\n%s", err, out)
		}
		t.Logf("child process:\n%s", out)
		return
	}
	d := openDevice(t)
	x := loadTestModule(t, d)
	k := kernelOf(t, x, "vector_add")
	q := newQueue(t, d)
	a := alloc(t, d, hal.MemoryDevice, 4096)
	var ar args
	ar.ptr(a.Device).ptr(a.Device).ptr(0).u32(1024)
	if !d.hostExecuted {
		t.Skipf("%s runs shaders on a GPU", d.info.Name)
	}
	err := q.Dispatch(k, hal.LaunchConfig{Grid: hal.Dim3{X: 4, Y: 1, Z: 1}, Block: hal.Dim3{X: 256, Y: 1, Z: 1}, Args: ar.bytes()})
	if !errors.Is(err, hal.ErrInvalidValue) || !strings.Contains(err.Error(), "argument 2 is a null pointer") {
		t.Fatalf("vector_add with a null output on %s: %v, want ErrInvalidValue naming argument 2", d.info.Name, err)
	}
	syncQ(t, q)
}

// TestSyntheticPCIBusID: a device without VK_EXT_pci_bus_info (lavapipe)
// has a synthetic location in domain ffff, not 0000:00:00.0.
func TestSyntheticPCIBusID(t *testing.T) {
	d := openDevice(t)
	info := d.Info()
	if d.pinfo.hasPCIBusInfo != 0 {
		t.Skipf("%s has a PCI location: %s", info.Name, info.PCIBusIDString())
	}
	if info.PCIDomainID != hal.SyntheticPCIDomain || info.PCIBusID != hal.SyntheticPCIBusVulkan || info.PCIDeviceID != info.Ordinal {
		t.Errorf("%s: PCI bus id %s, want ffff:01:%02x.0", info.Name, info.PCIBusIDString(), info.Ordinal)
	}
}
