//go:build cgo

package vulkan

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"

import (
	"encoding/binary"
	"unsafe"
)

//go:generate sh -c "glslangValidator -V --target-env vulkan1.2 -o fill.spv fill.comp && go run ./internal/spv2go -in fill.spv -src fill.comp -var fillSPIRV -out zfill_spv.go && rm fill.spv"

// fillPlan is a memset split into what vkCmdFillBuffer can do (the 4-byte
// aligned middle) and the partial words at the edges, which the built-in
// fill kernel (fill.comp) writes byte-exactly.
type fillPlan struct {
	buffer  C.VkBuffer
	midOff  uint64
	midSize uint64
	value   uint32 // the pattern as it lies in every aligned word
	edges   [2]fillEdge
	nedges  int
	prog    *fillProgram // the fill kernel, when there are edges
}

type fillEdge struct {
	addr uint64 // device address of the word
	mask uint32 // bits of the word inside the range
}

// planFill splits a fill (checked by the caller, hal.CheckFill) into
// words; nil plan for n == 0.
func (d *device) planFill(dst, n uint64, pattern uint32, patternSize int) (*fillPlan, error) {
	if n == 0 {
		return nil, nil
	}
	a, off, err := d.resolve("fill", dst, n)
	if err != nil {
		return nil, err
	}
	p := planFillIn(a, off, n, pattern, patternSize)
	if p.nedges > 0 {
		if p.prog, err = d.fillPipeline(); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func planFillIn(a *allocation, off, n uint64, pattern uint32, patternSize int) *fillPlan {
	ps := uint64(patternSize)
	var pb [4]byte
	binary.LittleEndian.PutUint32(pb[:], pattern)
	var vb [4]byte
	for j := uint64(0); j < 4; j++ {
		// Byte x of the buffer gets pattern byte (x-off) mod ps; 4 is a
		// multiple of ps, so every aligned word holds the same value.
		vb[j] = pb[(j+4-off%4)%ps]
	}
	p := &fillPlan{buffer: a.buffer, value: binary.LittleEndian.Uint32(vb[:])}
	start, end := off, off+n
	a0 := (start + 3) &^ 3
	a1 := end &^ 3
	byteMask := func(from, to uint64) uint32 { // bytes [from, to) of a word
		var m uint32
		for b := from; b < to; b++ {
			m |= 0xff << (8 * b)
		}
		return m
	}
	if a0 <= a1 {
		if a0 < a1 {
			p.midOff, p.midSize = a0, a1-a0
		}
		if start < a0 {
			w := start &^ 3
			p.edges[p.nedges] = fillEdge{a.base + w, byteMask(start-w, 4)}
			p.nedges++
		}
		if end > a1 {
			p.edges[p.nedges] = fillEdge{a.base + a1, byteMask(0, end-a1)}
			p.nedges++
		}
	} else {
		// The whole range lies inside one word.
		w := start &^ 3
		p.edges[0] = fillEdge{a.base + w, byteMask(start-w, end-w)}
		p.nedges = 1
	}
	return p
}

// fillPushSize is sizeof the push-constant block of fill.comp.
const fillPushSize = 24

// fillProgram is the built-in fill kernel's module, layout and pipeline.
type fillProgram struct {
	module C.VkShaderModule
	layout C.VkPipelineLayout
	pipe   C.VkPipeline
}

func (d *device) fillPipeline() (*fillProgram, error) {
	d.fillMu.Lock()
	defer d.fillMu.Unlock()
	if d.fillProg != nil {
		return d.fillProg, nil
	}
	fp := &fillProgram{}
	code := unsafe.Pointer(&fillSPIRV[0])
	if err := check(C.shal_create_shader_module(d.c, code, C.size_t(4*len(fillSPIRV)), &fp.module), "fill kernel: create shader module"); err != nil {
		return nil, err
	}
	if err := check(C.shal_create_pipeline_layout(d.c, fillPushSize, &fp.layout), "fill kernel: create pipeline layout"); err != nil {
		fp.destroy(d)
		return nil, err
	}
	name := C.CString("main")
	defer C.free(unsafe.Pointer(name))
	if err := check(C.shal_create_pipeline(d.c, fp.module, name, fp.layout, 0, nil, nil, 0, 0, &fp.pipe), "fill kernel: create pipeline"); err != nil {
		fp.destroy(d)
		return nil, err
	}
	d.fillProg = fp
	return fp, nil
}

func (fp *fillProgram) destroy(d *device) {
	C.shal_destroy_pipeline(d.c, fp.pipe)
	C.shal_destroy_pipeline_layout(d.c, fp.layout)
	C.shal_destroy_shader_module(d.c, fp.module)
}

// recordFill writes the plan into cb. The parts touch disjoint words, so
// only the first needs the barrier after the previous operation.
func (d *device) recordFill(cb C.VkCommandBuffer, barrier bool, p *fillPlan) {
	if p.midSize > 0 {
		C.shal_cmd_fill(d.c, cb, cbool(barrier), p.buffer, C.VkDeviceSize(p.midOff), C.VkDeviceSize(p.midSize), C.uint32_t(p.value))
		barrier = false
	}
	fp := p.prog
	for i := 0; i < p.nedges; i++ {
		e := p.edges[i]
		var push [fillPushSize]byte
		binary.LittleEndian.PutUint64(push[0:], e.addr)
		binary.LittleEndian.PutUint32(push[8:], 1)
		binary.LittleEndian.PutUint32(push[12:], p.value)
		binary.LittleEndian.PutUint32(push[16:], e.mask)
		binary.LittleEndian.PutUint32(push[20:], e.mask)
		C.shal_cmd_dispatch(d.c, cb, cbool(barrier), fp.pipe, fp.layout, unsafe.Pointer(&push[0]), fillPushSize, 1, 1, 1, 1, 1, 1)
		barrier = false
	}
}
