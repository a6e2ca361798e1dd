// A plugin run in a child process of its own ("isolation": "process" in a
// pipeline, run/config.h): the host side is one more implementation of the
// C ABI. create() starts the helper executable analytica-plugin-host
// (fork+exec through posix_spawn: the host may run threads), which loads the
// real library with the host's loader and trust policy and creates the
// instance there; the tables get_interface() returns forward each call over
// a socket, and the host services the plugin calls from inside a call
// (emit, log, fail, event, query, report_check) travel back over it to the
// host table given to create(). is_cancelled is answered in the child: the
// host forwards a stop request as SIGTERM.
//
// Failure semantics: when the child dies by a signal, exits, does not
// answer within the timeout (it is then killed) or breaks the protocol,
// the call fails through host->fail() with one line, e.g.
// "isolated process crashed with SIGSEGV while extracting a.pdf"; a probe
// that fails so scores 100, and the next extract reports its failure, so the
// input fails with the plugin named. The next call starts a new child.
// Memory past memory_mb makes allocations fail inside the child (a plugin
// error) or kills it: either way that call fails.
//
// Kinds: extractors (analytica.extractor/1) and validators
// (analytica.validator/1). Threading: one call at a time per instance, as
// for any instance.
#ifndef ANALYTICA_HOST_RUN_ISOLATED_PLUGIN_H
#define ANALYTICA_HOST_RUN_ISOLATED_PLUGIN_H

#include "run/config.h"
#include "run/plugin_loader.h"

#include <analytica.h>

#include <filesystem>

namespace analytica::isolated {

// Like analytica_plugin_descriptor.create, for `plugin` in a child process.
// host and settings_json as there; host must outlive the instance.
analytica_status create(const LoadedPlugin& plugin, const Isolation& isolation, const analytica_host* host,
                        const char* settings_json, void** out_self);
// Ends the child (asks it to destroy the instance, kills it after 2 s).
void destroy(void* self);
// The forwarding table for id, or NULL (any kind but extractor/validator).
const void* get_interface(const char* id);

// The helper executable: $ANALYTICA_PLUGIN_HOST, else analytica-plugin-host
// next to the running executable, else the one of the build tree.
std::filesystem::path helper_path();

}  // namespace analytica::isolated

#endif  // ANALYTICA_HOST_RUN_ISOLATED_PLUGIN_H
