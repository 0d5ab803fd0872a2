/* libFuzzer harness: trace importer, format "tracepath". */
#define FUZZ_IMPORT_FORMAT "tracepath"
#include "fuzz_import_common.h"
