// Inputs a person set aside (`analytica sources ignore`): a permanently
// broken file stops failing every run. Recorded in ANALYTICA_T_IGNORED,
// which governance consults before it registers an input.
#ifndef ANALYTICA_HOST_READ_IGNORED_H
#define ANALYTICA_HOST_READ_IGNORED_H

#include <string>
#include <vector>

namespace analytica {

class Store;

struct IgnoredInput {
  std::string name, sha256, reason, decided_by, decided_at;
};

// Sets `name` (an input's file name) aside, for the given bytes only when
// sha256 is not "" — or takes that back (active = false). One transaction.
// Throws UserError for an empty name or reason.
void set_ignored(Store& store, const std::string& name, const std::string& sha256, const std::string& reason,
                 const std::string& who, bool active);

// The inputs set aside now, by name.
std::vector<IgnoredInput> ignored_inputs(Store& store);

}  // namespace analytica

#endif  // ANALYTICA_HOST_READ_IGNORED_H
