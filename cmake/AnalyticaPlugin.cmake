# analytica_add_plugin(NAME SOURCES...) — the one definition of how an
# analytica plugin is built, shared by this source tree (included from the
# top-level CMakeLists.txt) and by the installed SDK (included from
# AnalyticaConfig.cmake after find_package(Analytica)).
#
# It makes NAME a dlopen-only MODULE library named lib<NAME>.so (the host
# looks a plugin up by that file name, and NAME must equal the name in the
# plugin's descriptor), compiled with hidden visibility and linked with the
# ABI's export map so that analytica_plugin_entry is its only dynamic symbol,
# and with --no-undefined so a missing symbol fails the link, not the load.
#
# The includer tunes it with these variables (all optional):
#   ANALYTICA_PLUGIN_API_TARGET   target carrying the headers
#                                 (default Analytica::plugin_api)
#   ANALYTICA_PLUGIN_EXPORTS_MAP  the linker version script
#                                 (default: exports.map beside the headers)
#   ANALYTICA_PLUGIN_OUTPUT_DIR   where the built module lands
#                                 (default: CMake's, the current binary dir)
#   ANALYTICA_PLUGIN_INSTALL_DIR  install(TARGETS) destination
#                                 (default lib/analytica/plugins; "" = none)
#   ANALYTICA_PLUGIN_HOST_TARGET  a target that depends on every plugin
#                                 (in this tree: the analytica executable)
#   ANALYTICA_SANITIZE            ON drops --no-undefined (sanitizer runtimes
#                                 resolve at load time)
include_guard(GLOBAL)

function(analytica_add_plugin name)
  if(NOT name MATCHES "^[a-z0-9_]+$")
    message(FATAL_ERROR "analytica_add_plugin: plugin name '${name}' must match [a-z0-9_]+ "
                        "(it is the file name lib<name>.so and the descriptor's name)")
  endif()
  if(NOT ARGN)
    message(FATAL_ERROR "analytica_add_plugin(${name}): no SOURCES given")
  endif()
  set(api_target Analytica::plugin_api)
  if(ANALYTICA_PLUGIN_API_TARGET)
    set(api_target ${ANALYTICA_PLUGIN_API_TARGET})
  endif()
  if(NOT TARGET ${api_target})
    message(FATAL_ERROR "analytica_add_plugin(${name}): target ${api_target} is missing; "
                        "call find_package(Analytica) first")
  endif()
  set(exports_map "${ANALYTICA_PLUGIN_EXPORTS_MAP}")
  if(NOT exports_map)
    get_target_property(api_includes ${api_target} INTERFACE_INCLUDE_DIRECTORIES)
    foreach(dir IN LISTS api_includes)
      if(EXISTS "${dir}/exports.map")
        set(exports_map "${dir}/exports.map")
        break()
      endif()
    endforeach()
  endif()
  if(NOT EXISTS "${exports_map}")
    message(FATAL_ERROR "analytica_add_plugin(${name}): exports.map not found (set ANALYTICA_PLUGIN_EXPORTS_MAP)")
  endif()

  add_library(${name} MODULE ${ARGN})
  target_link_libraries(${name} PRIVATE ${api_target})
  set_target_properties(${name} PROPERTIES
    PREFIX "lib" SUFFIX ".so" OUTPUT_NAME ${name}
    POSITION_INDEPENDENT_CODE ON
    C_VISIBILITY_PRESET hidden CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  if(ANALYTICA_PLUGIN_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ANALYTICA_PLUGIN_OUTPUT_DIR})
  endif()
  if(NOT ANALYTICA_SANITIZE)
    target_link_options(${name} PRIVATE "LINKER:--no-undefined")
  endif()
  # Export the entry symbol only: hidden visibility still leaves libstdc++
  # template instantiations visible (see exports.map).
  target_link_options(${name} PRIVATE "LINKER:--version-script=${exports_map}")
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS ${exports_map})

  if(NOT DEFINED ANALYTICA_PLUGIN_INSTALL_DIR)
    set(install_dir lib/analytica/plugins)
  else()
    set(install_dir "${ANALYTICA_PLUGIN_INSTALL_DIR}")
  endif()
  if(install_dir)
    install(TARGETS ${name} LIBRARY DESTINATION ${install_dir})
  endif()
  if(ANALYTICA_PLUGIN_HOST_TARGET AND TARGET ${ANALYTICA_PLUGIN_HOST_TARGET})
    add_dependencies(${ANALYTICA_PLUGIN_HOST_TARGET} ${name})
  endif()
endfunction()
