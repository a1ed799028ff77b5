#!/usr/bin/env python3
"""cu2cpp.py - turn one of the engine's .cu files into C++ for the CPU
emulator (tests/gpu/emu): every launch `k<<<grid, block[, smem, stream]>>>(args)`
becomes `emu_launch(dim3(grid), dim3(block), sync, [&]() { k(args); })`,
where sync is true for kernels whose body synchronises threads.

    python3 cu2cpp.py file.cu > file.cpp
"""
import re, sys
src = open(sys.argv[1]).read()
# kernels whose body uses block sync / shuffles / block reductions
sync = set()
for m in re.finditer(r'__global__\s+(?:static\s+)?void\s+(\w+)\s*\(', src):
    i = src.index('{', m.end())
    depth = 0; j = i
    while True:
        if src[j] == '{': depth += 1
        elif src[j] == '}':
            depth -= 1
            if depth == 0: break
        j += 1
    body = src[i:j]
    if re.search(r'__syncthreads|__shfl|cuda_block_', body): sync.add(m.group(1))
def split_top(s):
    parts, depth, cur = [], 0, ''
    for ch in s:
        if ch in '([{': depth += 1
        if ch in ')]}': depth -= 1
        if ch == ',' and depth == 0: parts.append(cur); cur = ''
        else: cur += ch
    parts.append(cur); return parts
out = ''; pos = 0
while True:
    k = src.find('<<<', pos)
    if k < 0: out += src[pos:]; break
    m = re.search(r'(\w+)\s*$', src[:k])
    name = m.group(1); start = m.start(1)
    e = src.index('>>>', k)
    cfg = split_top(src[k+3:e])
    p = src.index('(', e); depth = 0; q = p
    while True:
        if src[q] == '(': depth += 1
        elif src[q] == ')':
            depth -= 1
            if depth == 0: break
        q += 1
    args = src[p+1:q]
    out += src[pos:start] + 'emu_launch(dim3(%s), dim3(%s), %s, [&]() { %s(%s); })' % (cfg[0], cfg[1], 'true' if name in sync else 'false', name, args)
    pos = q + 1
sys.stdout.write(out)
sys.stderr.write('%s: sync kernels %s\n' % (sys.argv[1], sorted(sync)))
