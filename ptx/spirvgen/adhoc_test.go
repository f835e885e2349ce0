package spirvgen_test

import (
	"encoding/binary"
	"fmt"
	"os"
	"testing"
)

func TestAdhoc(t *testing.T) {
	body := os.Getenv("SG_ADHOC")
	if body == "" {
		t.Skip()
	}
	src := `.version 7.8
.target sm_90
.address_size 64
.visible .entry k(.param .u64 pin, .param .u64 pout, .param .u32 pn)
{
	.reg .b64 %ra, %ro, %rt64, %x, %y, %z;
	.reg .b32 %ri, %rn, %rt32, %a, %b, %c, %d;
	.reg .f32 %fa, %fb, %fd;
	.reg .f64 %da, %db, %dd;
	.reg .pred %p, %q;
	mov.u32 %ri, %tid.x;
	ld.param.u64 %ra, [pin];
	ld.param.u64 %ro, [pout];
	mul.wide.u32 %rt64, %ri, 8;
	add.s64 %ra, %ra, %rt64;
	add.s64 %ro, %ro, %rt64;
	ld.global.u64 %x, [%ra];
	cvt.u32.u64 %a, %x;
` + body + `
	ret;
}
`
	ctx := openVulkan(t)
	mod, err := ctx.LoadModuleData([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	defer mod.Close()
	ins := []uint64{0x80000000, 0xff000000, 5, 0xffffffffffffff00, 0, 0x7fefffffffffffff, 0x4004000000000000}
	in := make([]byte, 8*len(ins))
	for i, v := range ins {
		binary.LittleEndian.PutUint64(in[8*i:], v)
	}
	out := runKernel(t, ctx, mod, "k", 1, uint32(len(ins)), in, 8*len(ins))
	for i := range ins {
		fmt.Printf("in %#x -> %#x\n", ins[i], binary.LittleEndian.Uint64(out[8*i:]))
	}
}
