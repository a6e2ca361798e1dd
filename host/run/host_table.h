// The services table (analytica_host) the host hands a plugin at create(),
// in-process (run/plugin_instance.cpp) and in an isolated plugin's child
// process (isolate/plugin_host.cpp) alike.
#ifndef ANALYTICA_HOST_RUN_HOST_TABLE_H
#define ANALYTICA_HOST_RUN_HOST_TABLE_H

#include <analytica.h>

namespace analytica {

// A table of this ABI version whose services are Services' static functions
// (log, fail, emit, event, is_cancelled, query, report_check,
// report_check_values), each called with ctx. run_id and store_location are
// borrowed: they must stay valid, at the same address, as long as the
// plugin may read them.
template <typename Services>
analytica_host host_table(void* ctx, const char* run_id, const char* store_location) {
  analytica_host h{};
  h.struct_size = sizeof(analytica_host);
  h.abi_major = ANALYTICA_ABI_MAJOR;
  h.abi_minor = ANALYTICA_ABI_MINOR;
  h.ctx = ctx;
  h.run_id = run_id;
  h.log = &Services::log;
  h.fail = &Services::fail;
  h.emit = &Services::emit;
  h.event = &Services::event;
  h.is_cancelled = &Services::is_cancelled;
  h.query = &Services::query;
  h.report_check = &Services::report_check;
  h.report_check_values = &Services::report_check_values;
  h.store_location = store_location;
  return h;
}

}  // namespace analytica

#endif  // ANALYTICA_HOST_RUN_HOST_TABLE_H
