# What `cmake --install` and `cpack -G DEB` ship beyond the targets' own
# install rules (host, plugins, headers):
#   - the SDK package: lib/cmake/Analytica/{AnalyticaConfig,ConfigVersion,
#     Targets,Plugin}.cmake and share/pkgconfig/analytica.pc (component dev);
#   - the pipelines (share/analytica/pipelines), the systemd unit and timer of
#     the monthly run and the sysusers entry of its user (component runtime);
#   - CPack: two Debian packages, analytica (runtime) and analytica-dev (dev).
# Paths stay under the prefix (lib/, share/), never absolute, so
# `cmake --install build --prefix DIR` works without root and the installed
# host finds its plugins at <exe>/../lib/analytica/plugins.
include(CMakePackageConfigHelpers)

# The ABI version, read from the header so there is one source of truth.
file(STRINGS ${PROJECT_SOURCE_DIR}/plugin-api/analytica.h abi_lines REGEX "^#define ANALYTICA_ABI_(MAJOR|MINOR) ")
foreach(line IN LISTS abi_lines)
  if(line MATCHES "ANALYTICA_ABI_(MAJOR|MINOR) +([0-9]+)")
    set(ANALYTICA_ABI_${CMAKE_MATCH_1} ${CMAKE_MATCH_2})
  endif()
endforeach()

set(ANALYTICA_INSTALL_CMAKEDIR lib/cmake/Analytica)
set(ANALYTICA_INSTALL_INCLUDEDIR include/analytica)
set(ANALYTICA_INSTALL_PLUGINDIR lib/analytica/plugins)
set(ANALYTICA_INSTALL_BINDIR bin)
set(sdk_dir ${PROJECT_BINARY_DIR}/sdk)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/AnalyticaConfig.cmake.in
  ${sdk_dir}/AnalyticaConfig.cmake
  INSTALL_DESTINATION ${ANALYTICA_INSTALL_CMAKEDIR}
  PATH_VARS ANALYTICA_INSTALL_INCLUDEDIR ANALYTICA_INSTALL_PLUGINDIR ANALYTICA_INSTALL_BINDIR)
# 0.x: a new minor may change the SDK; 1.x on: any 1.y satisfies find_package(Analytica 1.x).
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(sdk_compat SameMinorVersion)
else()
  set(sdk_compat SameMajorVersion)
endif()
write_basic_package_version_file(${sdk_dir}/AnalyticaConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY ${sdk_compat} ARCH_INDEPENDENT)
configure_file(${PROJECT_SOURCE_DIR}/cmake/analytica.pc.in ${sdk_dir}/analytica.pc @ONLY)

install(EXPORT AnalyticaTargets NAMESPACE Analytica:: DESTINATION ${ANALYTICA_INSTALL_CMAKEDIR} COMPONENT dev)
install(FILES ${sdk_dir}/AnalyticaConfig.cmake ${sdk_dir}/AnalyticaConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/AnalyticaPlugin.cmake
        DESTINATION ${ANALYTICA_INSTALL_CMAKEDIR} COMPONENT dev)
install(FILES ${sdk_dir}/analytica.pc DESTINATION share/pkgconfig COMPONENT dev)
install(FILES ${PROJECT_SOURCE_DIR}/docs/writing-plugins.md DESTINATION share/doc/analytica-dev COMPONENT dev OPTIONAL)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/config/pipelines/ DESTINATION share/analytica/pipelines
        COMPONENT runtime FILES_MATCHING PATTERN "*.json")
install(FILES ${PROJECT_SOURCE_DIR}/packaging/analytica-monthly.service
              ${PROJECT_SOURCE_DIR}/packaging/analytica-monthly.timer
        DESTINATION lib/systemd/system COMPONENT runtime)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/analytica.sysusers DESTINATION lib/sysusers.d
        RENAME analytica.conf COMPONENT runtime)

# Debian wants a copyright file and a compressed changelog in each package's
# doc folder (gzip -n: no timestamp, so the bytes are reproducible).
configure_file(${PROJECT_SOURCE_DIR}/packaging/changelog.in ${sdk_dir}/changelog.Debian @ONLY)
execute_process(COMMAND gzip -9nc ${sdk_dir}/changelog.Debian OUTPUT_FILE ${sdk_dir}/changelog.Debian.gz)
foreach(component runtime dev)
  set(doc_dir share/doc/analytica)
  if(component STREQUAL dev)
    set(doc_dir share/doc/analytica-dev)
  endif()
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/copyright ${sdk_dir}/changelog.Debian.gz
          DESTINATION ${doc_dir} COMPONENT ${component})
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION share/doc/analytica COMPONENT runtime)

# ------------------------------------------------------------------ CPack
set(CPACK_PACKAGE_NAME analytica)
set(CPACK_PACKAGE_VENDOR "Calgary Analytica")
set(CPACK_PACKAGE_CONTACT "Calgary Analytica maintainers <analytica@example.org>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Binaries are stripped in the packages (lintian: unstripped-binary-or-object);
# the build tree keeps its debug information.
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.org/analytica")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME analytica)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION science)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_RECOMMENDS "sqlite3")
# Each package's description: the synopsis line, then the long text (CPack
# indents it; CPACK_PACKAGE_DESCRIPTION_SUMMARY stays unset so it does not
# prepend a synopsis of its own).
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION "governed database of Calgary housing-market reports
analytica turns public Calgary housing-market reports into a governed
database: a small host loads shared-library plugins (sources, extractors,
validators, sinks, monitors) through a stable C ABI and records every run,
source file and extracted number. This package holds the host, the core
plugins, the pipelines, and a systemd timer for the monthly run as the
unprivileged user analytica.")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA
  ${PROJECT_SOURCE_DIR}/packaging/postinst ${PROJECT_SOURCE_DIR}/packaging/prerm
  ${PROJECT_SOURCE_DIR}/packaging/postrm)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_DEV_PACKAGE_NAME analytica-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_DEV_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "analytica (= ${PROJECT_VERSION}-1)")
set(CPACK_COMPONENT_DEV_DESCRIPTION "plugin SDK for analytica
Headers of the analytica plugin C ABI (analytica.h and the released
older minors), header-only C++ helpers, the CMake package
(find_package(Analytica), analytica_add_plugin()) and a pkg-config file
for building analytica plugins outside its source tree.")
include(CPack)
