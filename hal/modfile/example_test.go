package modfile_test

import (
	"fmt"

	"github.com/streamhal/streamhal/hal"
	"github.com/streamhal/streamhal/hal/modfile"
)

func ExampleSelect() {
	fat, err := modfile.BuildFat([]modfile.FatEntry{
		{Format: hal.FormatPTX, Target: "sm_70", Data: []byte(".version 7.0\n.target sm_70\n")},
		{Format: hal.FormatPTX, Target: "sm_80", Data: []byte(".version 7.0\n.target sm_80\n")},
		{Format: hal.FormatSPIRV, Target: "vulkan1.2", Data: []byte{3, 2, 0x23, 7}},
	})
	if err != nil {
		panic(err)
	}
	entries, err := modfile.ParseFat(fat)
	if err != nil {
		panic(err)
	}
	// An sm_86 CUDA device takes cubin or PTX: the closest older PTX wins.
	e, _ := modfile.Select(entries, []hal.Format{hal.FormatCubin, hal.FormatPTX}, "sm_86")
	fmt.Println(e.Format, e.Target)
	// A Vulkan device takes any SPIR-V.
	e, _ = modfile.Select(entries, []hal.Format{hal.FormatSPIRV}, "")
	fmt.Println(e.Format, e.Target)
	// Nothing fits an sm_60 device.
	_, err = modfile.Select(entries, []hal.Format{hal.FormatCubin, hal.FormatPTX}, "sm_60")
	fmt.Println(err)
	// Output:
	// ptx sm_80
	// spirv vulkan1.2
	// hal/modfile: select binary: device wants cubin or ptx for "sm_60"; module has [ptx sm_70, ptx sm_80, spirv vulkan1.2]: no binary for device
}

func ExampleParsePTX() {
	src := `.version 7.0
.target sm_80
.address_size 64
.visible .entry saxpy(.param .u32 n, .param .f32 a, .param .u64 x, .param .u64 y)
{
	ret;
}
`
	m, err := modfile.ParsePTX([]byte(src))
	if err != nil {
		panic(err)
	}
	k := m.Kernels[0]
	fmt.Println(k.Name, k.Params, k.ArgsSize)
	// Output:
	// saxpy [{0 4 false} {4 4 false} {8 8 false} {16 8 false}] 24
}
