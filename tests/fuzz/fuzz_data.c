/* fuzz_data.c - libFuzzer harness for the .data reader (data_cfg_read). */
#include "../../src/data/data.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512], err[DN_ERR_LEN];
    struct data_cfg d;
    fuzz_write(path, sizeof(path), "f.data", data, size);
    data_cfg_read(path, &d, err);
    return 0;
}
