# Run by `cmake --install` (install(CODE) in systemd/CMakeLists.txt) after the pristine defaults
# are in RUNBOX_DEFAULTS_SRC (<prefix>/share/runbox): copies each of them into RUNBOX_SYSCONFDIR
# (/etc/runbox) unless a file of that name is already there. Honours DESTDIR.
# In: RUNBOX_DEFAULTS_SRC, RUNBOX_SYSCONFDIR (absolute, without DESTDIR).
set(src "$ENV{DESTDIR}${RUNBOX_DEFAULTS_SRC}")
set(dst "$ENV{DESTDIR}${RUNBOX_SYSCONFDIR}")
if(NOT IS_DIRECTORY "${src}")
  message(FATAL_ERROR "runbox: the default configuration is missing at ${src}")
endif()

file(GLOB_RECURSE defaults RELATIVE "${src}" "${src}/*")
# share/runbox/playground/ is the web page runboxd serves from there, not configuration.
list(FILTER defaults EXCLUDE REGEX "^playground/")
list(SORT defaults)
foreach(rel IN LISTS defaults)
  set(target "${dst}/${rel}")
  if(EXISTS "${target}" OR IS_SYMLINK "${target}")
    message(STATUS "Keeping (exists): ${target}")  # the operator's; not in install_manifest.txt
  else()
    # file(INSTALL) adds DESTDIR itself: give it the path without.
    get_filename_component(dir "${RUNBOX_SYSCONFDIR}/${rel}" DIRECTORY)
    # Not group- or world-writable: a policy decides what untrusted code may do.
    file(INSTALL "${src}/${rel}" DESTINATION "${dir}"
         FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
         DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                               WORLD_READ WORLD_EXECUTE)
  endif()
endforeach()
