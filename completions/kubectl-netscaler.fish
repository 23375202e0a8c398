# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kubectl_netscaler_global_optspecs
    string join \n kubeconfig= context= cluster= user= n/namespace= request-timeout= config= cluster-name= mode= vxlan-id= vxlan-port= vtep-ip= vtep-mac= adc-pod-cidr= overlay-ip= cluster-cidr= node-selector= node-address-type= not-ready= strict services no-services adc-url= adc-username= adc-password-file= adc-secret= adc-ca-file= adc-insecure-skip-tls-verify color= v/verbose log-format= h/help V/version
end

function __fish_kubectl_netscaler_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kubectl_netscaler_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kubectl_netscaler_using_subcommand
    set -l cmd (__fish_kubectl_netscaler_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -s n -l namespace -d 'Namespace of the --adc-secret Secret when it is given without one (default: the kubeconfig context\'s namespace)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l request-timeout -d 'Timeout of a single Kubernetes request (e.g. 30s, 1m; 0 = none)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l config -d 'YAML settings file (keys as in the README\'s settings table)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l cluster-name -d 'Cluster name used in owned object names and markers (default: kubeconfig cluster name)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l mode -d 'Overlay mode' -r -f -a "auto\t''
vxlan\t''
routes\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l vxlan-id -d 'VXLAN network identifier (default: the VNI the nodes advertise, else net-conf, else 1)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l vxlan-port -d 'VXLAN UDP port (default: net-conf Backend.Port, else 8472)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l vtep-ip -d 'The ADC\'s existing SNIP on the node network, used as VTEP source (vxlan mode)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l vtep-mac -d 'MAC of the ADC\'s VTEP for the ADC Node object: `auto` or a MAC (HA pairs: the virtual MAC)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l adc-pod-cidr -d 'Pod CIDR reserved for the ADC inside the cluster CIDR (vxlan mode)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l overlay-ip -d 'The ADC\'s overlay address (default: first host of --adc-pod-cidr)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l cluster-cidr -d 'Cluster (pod network) CIDR (default: flannel\'s net-conf.json Network)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l node-selector -d 'Only plan nodes matching this label selector (e.g. `role=worker,zone in (a,b)`)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l node-address-type -d 'Node address type used as route gateway in routes mode' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l not-ready -d 'What to do with NotReady nodes' -r -f -a "keep\t''
remove\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l adc-url -d 'NITRO base URL of the ADC (the HA primary or a floating management SNIP)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l adc-username -d 'NITRO user [default: nsroot]' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l adc-password-file -d 'File holding the NITRO password (there is deliberately no password flag; or set NETSCALER_PASSWORD)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l adc-secret -d 'Kubernetes Secret `[namespace/]name` with keys `username` and `password`' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l adc-ca-file -d 'PEM bundle of CAs to trust for the ADC\'s certificate (default: system roots)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l log-format -d 'Log line format on stderr' -r -f -a "text\t''
json\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l strict -d 'Turn diagnostics (skipped nodes, conflicts) into an error (exit 2)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l services -d 'Manage a service group for each Service annotated kubectl-netscaler.io/lbvserver [default]'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l no-services -d 'Leave Services and service groups alone'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -l adc-insecure-skip-tls-verify -d 'Do not verify the ADC\'s TLS certificate (lab use only)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -s h -l help -d 'Print help'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -s V -l version -d 'Print version'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -f -a "plan" -d 'Show the ADC and cluster configuration the cluster needs (no ADC access)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -f -a "diff" -d 'Show what apply would change on the ADC and in the cluster (exit 1 when there are changes)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -f -a "apply" -d 'Push the changes to the ADC and the cluster (asks for confirmation unless --yes)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -f -a "teardown" -d 'Remove everything this tool manages for the cluster from the ADC and the cluster'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -f -a "watch" -d 'Keep the ADC and the ADC Node converged as the cluster changes, until stopped (a foreground controller; a second one waits as standby)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -f -a "version" -d 'Print the version of kubectl-netscaler (no cluster or ADC access)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -s o -l output -d 'Output format' -r -f -a "table\t''
wide\t''
json\t''
yaml\t''
commands\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l cluster-file -d 'Plan from a saved snapshot (`kubectl get nodes,services,endpointslices,configmaps -A -o yaml`) instead of the live cluster; `-` reads it from standard input' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l out -d 'Also write the plan as a plan file (JSON) for `apply PLAN`' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -s n -l namespace -d 'Namespace of the --adc-secret Secret when it is given without one (default: the kubeconfig context\'s namespace)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l request-timeout -d 'Timeout of a single Kubernetes request (e.g. 30s, 1m; 0 = none)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l config -d 'YAML settings file (keys as in the README\'s settings table)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l cluster-name -d 'Cluster name used in owned object names and markers (default: kubeconfig cluster name)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l mode -d 'Overlay mode' -r -f -a "auto\t''
vxlan\t''
routes\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l vxlan-id -d 'VXLAN network identifier (default: the VNI the nodes advertise, else net-conf, else 1)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l vxlan-port -d 'VXLAN UDP port (default: net-conf Backend.Port, else 8472)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l vtep-ip -d 'The ADC\'s existing SNIP on the node network, used as VTEP source (vxlan mode)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l vtep-mac -d 'MAC of the ADC\'s VTEP for the ADC Node object: `auto` or a MAC (HA pairs: the virtual MAC)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l adc-pod-cidr -d 'Pod CIDR reserved for the ADC inside the cluster CIDR (vxlan mode)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l overlay-ip -d 'The ADC\'s overlay address (default: first host of --adc-pod-cidr)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l cluster-cidr -d 'Cluster (pod network) CIDR (default: flannel\'s net-conf.json Network)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l node-selector -d 'Only plan nodes matching this label selector (e.g. `role=worker,zone in (a,b)`)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l node-address-type -d 'Node address type used as route gateway in routes mode' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l not-ready -d 'What to do with NotReady nodes' -r -f -a "keep\t''
remove\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l adc-url -d 'NITRO base URL of the ADC (the HA primary or a floating management SNIP)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l adc-username -d 'NITRO user [default: nsroot]' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l adc-password-file -d 'File holding the NITRO password (there is deliberately no password flag; or set NETSCALER_PASSWORD)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l adc-secret -d 'Kubernetes Secret `[namespace/]name` with keys `username` and `password`' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l adc-ca-file -d 'PEM bundle of CAs to trust for the ADC\'s certificate (default: system roots)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l log-format -d 'Log line format on stderr' -r -f -a "text\t''
json\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l strict -d 'Turn diagnostics (skipped nodes, conflicts) into an error (exit 2)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l services -d 'Manage a service group for each Service annotated kubectl-netscaler.io/lbvserver [default]'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l no-services -d 'Leave Services and service groups alone'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -l adc-insecure-skip-tls-verify -d 'Do not verify the ADC\'s TLS certificate (lab use only)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -s h -l help -d 'Print help'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand plan" -s V -l version -d 'Print version'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''
yaml\t''
commands\t'The NetScaler CLI lines of the ADC changes, in execution order (`rm` included)'"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -s n -l namespace -d 'Namespace of the --adc-secret Secret when it is given without one (default: the kubeconfig context\'s namespace)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l request-timeout -d 'Timeout of a single Kubernetes request (e.g. 30s, 1m; 0 = none)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l config -d 'YAML settings file (keys as in the README\'s settings table)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l cluster-name -d 'Cluster name used in owned object names and markers (default: kubeconfig cluster name)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l mode -d 'Overlay mode' -r -f -a "auto\t''
vxlan\t''
routes\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l vxlan-id -d 'VXLAN network identifier (default: the VNI the nodes advertise, else net-conf, else 1)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l vxlan-port -d 'VXLAN UDP port (default: net-conf Backend.Port, else 8472)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l vtep-ip -d 'The ADC\'s existing SNIP on the node network, used as VTEP source (vxlan mode)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l vtep-mac -d 'MAC of the ADC\'s VTEP for the ADC Node object: `auto` or a MAC (HA pairs: the virtual MAC)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l adc-pod-cidr -d 'Pod CIDR reserved for the ADC inside the cluster CIDR (vxlan mode)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l overlay-ip -d 'The ADC\'s overlay address (default: first host of --adc-pod-cidr)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l cluster-cidr -d 'Cluster (pod network) CIDR (default: flannel\'s net-conf.json Network)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l node-selector -d 'Only plan nodes matching this label selector (e.g. `role=worker,zone in (a,b)`)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l node-address-type -d 'Node address type used as route gateway in routes mode' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l not-ready -d 'What to do with NotReady nodes' -r -f -a "keep\t''
remove\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l adc-url -d 'NITRO base URL of the ADC (the HA primary or a floating management SNIP)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l adc-username -d 'NITRO user [default: nsroot]' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l adc-password-file -d 'File holding the NITRO password (there is deliberately no password flag; or set NETSCALER_PASSWORD)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l adc-secret -d 'Kubernetes Secret `[namespace/]name` with keys `username` and `password`' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l adc-ca-file -d 'PEM bundle of CAs to trust for the ADC\'s certificate (default: system roots)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l log-format -d 'Log line format on stderr' -r -f -a "text\t''
json\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l strict -d 'Turn diagnostics (skipped nodes, conflicts) into an error (exit 2)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l services -d 'Manage a service group for each Service annotated kubectl-netscaler.io/lbvserver [default]'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l no-services -d 'Leave Services and service groups alone'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -l adc-insecure-skip-tls-verify -d 'Do not verify the ADC\'s TLS certificate (lab use only)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand diff" -s V -l version -d 'Print version'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -s o -l output -d 'Output format of the change list' -r -f -a "table\t''
json\t''
yaml\t''
commands\t'The NetScaler CLI lines of the ADC changes, in execution order (`rm` included)'"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l max-delete-percent -d 'Refuse a change set deleting more than this percentage of the managed objects [default: 50]' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l lock-namespace -d 'Namespace of the Lease that keeps two writers apart' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -s n -l namespace -d 'Namespace of the --adc-secret Secret when it is given without one (default: the kubeconfig context\'s namespace)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l request-timeout -d 'Timeout of a single Kubernetes request (e.g. 30s, 1m; 0 = none)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l config -d 'YAML settings file (keys as in the README\'s settings table)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l cluster-name -d 'Cluster name used in owned object names and markers (default: kubeconfig cluster name)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l mode -d 'Overlay mode' -r -f -a "auto\t''
vxlan\t''
routes\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l vxlan-id -d 'VXLAN network identifier (default: the VNI the nodes advertise, else net-conf, else 1)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l vxlan-port -d 'VXLAN UDP port (default: net-conf Backend.Port, else 8472)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l vtep-ip -d 'The ADC\'s existing SNIP on the node network, used as VTEP source (vxlan mode)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l vtep-mac -d 'MAC of the ADC\'s VTEP for the ADC Node object: `auto` or a MAC (HA pairs: the virtual MAC)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l adc-pod-cidr -d 'Pod CIDR reserved for the ADC inside the cluster CIDR (vxlan mode)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l overlay-ip -d 'The ADC\'s overlay address (default: first host of --adc-pod-cidr)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l cluster-cidr -d 'Cluster (pod network) CIDR (default: flannel\'s net-conf.json Network)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l node-selector -d 'Only plan nodes matching this label selector (e.g. `role=worker,zone in (a,b)`)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l node-address-type -d 'Node address type used as route gateway in routes mode' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l not-ready -d 'What to do with NotReady nodes' -r -f -a "keep\t''
remove\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l adc-url -d 'NITRO base URL of the ADC (the HA primary or a floating management SNIP)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l adc-username -d 'NITRO user [default: nsroot]' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l adc-password-file -d 'File holding the NITRO password (there is deliberately no password flag; or set NETSCALER_PASSWORD)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l adc-secret -d 'Kubernetes Secret `[namespace/]name` with keys `username` and `password`' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l adc-ca-file -d 'PEM bundle of CAs to trust for the ADC\'s certificate (default: system roots)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l log-format -d 'Log line format on stderr' -r -f -a "text\t''
json\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -s y -l yes -d 'Do not ask for confirmation'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l dry-run -d 'Show the changes (as diff does) and write nothing'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l allow-mass-delete -d 'Allow a change set over the delete limit (or deleting every managed object)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l save-config -d 'Save the ADC configuration (apply/teardown: at the end; watch: at most every 5 minutes, only when it changed) [default]'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l no-save-config -d 'Do not save the ADC configuration'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l strict -d 'Turn diagnostics (skipped nodes, conflicts) into an error (exit 2)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l services -d 'Manage a service group for each Service annotated kubectl-netscaler.io/lbvserver [default]'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l no-services -d 'Leave Services and service groups alone'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -l adc-insecure-skip-tls-verify -d 'Do not verify the ADC\'s TLS certificate (lab use only)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand apply" -s V -l version -d 'Print version'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -s o -l output -d 'Output format of the change list' -r -f -a "table\t''
json\t''
yaml\t''
commands\t'The NetScaler CLI lines of the ADC changes, in execution order (`rm` included)'"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l max-delete-percent -d 'Refuse a change set deleting more than this percentage of the managed objects [default: 50]' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l lock-namespace -d 'Namespace of the Lease that keeps two writers apart' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -s n -l namespace -d 'Namespace of the --adc-secret Secret when it is given without one (default: the kubeconfig context\'s namespace)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l request-timeout -d 'Timeout of a single Kubernetes request (e.g. 30s, 1m; 0 = none)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l config -d 'YAML settings file (keys as in the README\'s settings table)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l cluster-name -d 'Cluster name used in owned object names and markers (default: kubeconfig cluster name)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l mode -d 'Overlay mode' -r -f -a "auto\t''
vxlan\t''
routes\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l vxlan-id -d 'VXLAN network identifier (default: the VNI the nodes advertise, else net-conf, else 1)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l vxlan-port -d 'VXLAN UDP port (default: net-conf Backend.Port, else 8472)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l vtep-ip -d 'The ADC\'s existing SNIP on the node network, used as VTEP source (vxlan mode)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l vtep-mac -d 'MAC of the ADC\'s VTEP for the ADC Node object: `auto` or a MAC (HA pairs: the virtual MAC)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l adc-pod-cidr -d 'Pod CIDR reserved for the ADC inside the cluster CIDR (vxlan mode)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l overlay-ip -d 'The ADC\'s overlay address (default: first host of --adc-pod-cidr)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l cluster-cidr -d 'Cluster (pod network) CIDR (default: flannel\'s net-conf.json Network)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l node-selector -d 'Only plan nodes matching this label selector (e.g. `role=worker,zone in (a,b)`)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l node-address-type -d 'Node address type used as route gateway in routes mode' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l not-ready -d 'What to do with NotReady nodes' -r -f -a "keep\t''
remove\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l adc-url -d 'NITRO base URL of the ADC (the HA primary or a floating management SNIP)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l adc-username -d 'NITRO user [default: nsroot]' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l adc-password-file -d 'File holding the NITRO password (there is deliberately no password flag; or set NETSCALER_PASSWORD)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l adc-secret -d 'Kubernetes Secret `[namespace/]name` with keys `username` and `password`' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l adc-ca-file -d 'PEM bundle of CAs to trust for the ADC\'s certificate (default: system roots)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l log-format -d 'Log line format on stderr' -r -f -a "text\t''
json\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -s y -l yes -d 'Do not ask for confirmation'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l dry-run -d 'Show the changes (as diff does) and write nothing'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l allow-mass-delete -d 'Allow a change set over the delete limit (or deleting every managed object)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l save-config -d 'Save the ADC configuration (apply/teardown: at the end; watch: at most every 5 minutes, only when it changed) [default]'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l no-save-config -d 'Do not save the ADC configuration'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l strict -d 'Turn diagnostics (skipped nodes, conflicts) into an error (exit 2)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l services -d 'Manage a service group for each Service annotated kubectl-netscaler.io/lbvserver [default]'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l no-services -d 'Leave Services and service groups alone'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -l adc-insecure-skip-tls-verify -d 'Do not verify the ADC\'s TLS certificate (lab use only)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand teardown" -s V -l version -d 'Print version'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l debounce -d 'Coalesce cluster events: the first after a quiet spell is reconciled at once, the ones within this window after it together at its end (watch.debounce) [default: 1s]' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l resync-interval -d 'Re-read the ADC\'s owned scope this often and repair drift made by hand (watch.resyncInterval) [default: 5m]' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l metrics-addr -d 'Serve Prometheus metrics at /metrics, and /healthz and /readyz, on HOST:PORT (watch.metricsAddr) [default: off]' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l max-delete-percent -d 'Refuse a change set deleting more than this percentage of the managed objects [default: 50]' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l lock-namespace -d 'Namespace of the Lease that keeps two writers apart' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -s n -l namespace -d 'Namespace of the --adc-secret Secret when it is given without one (default: the kubeconfig context\'s namespace)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l request-timeout -d 'Timeout of a single Kubernetes request (e.g. 30s, 1m; 0 = none)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l config -d 'YAML settings file (keys as in the README\'s settings table)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l cluster-name -d 'Cluster name used in owned object names and markers (default: kubeconfig cluster name)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l mode -d 'Overlay mode' -r -f -a "auto\t''
vxlan\t''
routes\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l vxlan-id -d 'VXLAN network identifier (default: the VNI the nodes advertise, else net-conf, else 1)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l vxlan-port -d 'VXLAN UDP port (default: net-conf Backend.Port, else 8472)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l vtep-ip -d 'The ADC\'s existing SNIP on the node network, used as VTEP source (vxlan mode)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l vtep-mac -d 'MAC of the ADC\'s VTEP for the ADC Node object: `auto` or a MAC (HA pairs: the virtual MAC)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l adc-pod-cidr -d 'Pod CIDR reserved for the ADC inside the cluster CIDR (vxlan mode)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l overlay-ip -d 'The ADC\'s overlay address (default: first host of --adc-pod-cidr)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l cluster-cidr -d 'Cluster (pod network) CIDR (default: flannel\'s net-conf.json Network)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l node-selector -d 'Only plan nodes matching this label selector (e.g. `role=worker,zone in (a,b)`)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l node-address-type -d 'Node address type used as route gateway in routes mode' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l not-ready -d 'What to do with NotReady nodes' -r -f -a "keep\t''
remove\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l adc-url -d 'NITRO base URL of the ADC (the HA primary or a floating management SNIP)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l adc-username -d 'NITRO user [default: nsroot]' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l adc-password-file -d 'File holding the NITRO password (there is deliberately no password flag; or set NETSCALER_PASSWORD)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l adc-secret -d 'Kubernetes Secret `[namespace/]name` with keys `username` and `password`' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l adc-ca-file -d 'PEM bundle of CAs to trust for the ADC\'s certificate (default: system roots)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l log-format -d 'Log line format on stderr' -r -f -a "text\t''
json\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l allow-mass-delete -d 'Allow a change set over the delete limit (or deleting every managed object)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l save-config -d 'Save the ADC configuration (apply/teardown: at the end; watch: at most every 5 minutes, only when it changed) [default]'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l no-save-config -d 'Do not save the ADC configuration'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l strict -d 'Turn diagnostics (skipped nodes, conflicts) into an error (exit 2)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l services -d 'Manage a service group for each Service annotated kubectl-netscaler.io/lbvserver [default]'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l no-services -d 'Leave Services and service groups alone'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -l adc-insecure-skip-tls-verify -d 'Do not verify the ADC\'s TLS certificate (lab use only)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -s h -l help -d 'Print help'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand watch" -s V -l version -d 'Print version'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -s o -l output -d 'Output format' -r -f -a "text\t''
json\t''
yaml\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l kubeconfig -d 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l context -d 'The kubeconfig context to use' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l cluster -d 'The kubeconfig cluster to use' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l user -d 'The kubeconfig user to use' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -s n -l namespace -d 'Namespace of the --adc-secret Secret when it is given without one (default: the kubeconfig context\'s namespace)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l request-timeout -d 'Timeout of a single Kubernetes request (e.g. 30s, 1m; 0 = none)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l config -d 'YAML settings file (keys as in the README\'s settings table)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l cluster-name -d 'Cluster name used in owned object names and markers (default: kubeconfig cluster name)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l mode -d 'Overlay mode' -r -f -a "auto\t''
vxlan\t''
routes\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l vxlan-id -d 'VXLAN network identifier (default: the VNI the nodes advertise, else net-conf, else 1)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l vxlan-port -d 'VXLAN UDP port (default: net-conf Backend.Port, else 8472)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l vtep-ip -d 'The ADC\'s existing SNIP on the node network, used as VTEP source (vxlan mode)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l vtep-mac -d 'MAC of the ADC\'s VTEP for the ADC Node object: `auto` or a MAC (HA pairs: the virtual MAC)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l adc-pod-cidr -d 'Pod CIDR reserved for the ADC inside the cluster CIDR (vxlan mode)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l overlay-ip -d 'The ADC\'s overlay address (default: first host of --adc-pod-cidr)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l cluster-cidr -d 'Cluster (pod network) CIDR (default: flannel\'s net-conf.json Network)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l node-selector -d 'Only plan nodes matching this label selector (e.g. `role=worker,zone in (a,b)`)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l node-address-type -d 'Node address type used as route gateway in routes mode' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l not-ready -d 'What to do with NotReady nodes' -r -f -a "keep\t''
remove\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l adc-url -d 'NITRO base URL of the ADC (the HA primary or a floating management SNIP)' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l adc-username -d 'NITRO user [default: nsroot]' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l adc-password-file -d 'File holding the NITRO password (there is deliberately no password flag; or set NETSCALER_PASSWORD)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l adc-secret -d 'Kubernetes Secret `[namespace/]name` with keys `username` and `password`' -r
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l adc-ca-file -d 'PEM bundle of CAs to trust for the ADC\'s certificate (default: system roots)' -r -F
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l color -d 'When to colour output' -r -f -a "auto\t''
always\t''
never\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l log-format -d 'Log line format on stderr' -r -f -a "text\t''
json\t''"
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l strict -d 'Turn diagnostics (skipped nodes, conflicts) into an error (exit 2)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l services -d 'Manage a service group for each Service annotated kubectl-netscaler.io/lbvserver [default]'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l no-services -d 'Leave Services and service groups alone'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -l adc-insecure-skip-tls-verify -d 'Do not verify the ADC\'s TLS certificate (lab use only)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -s v -l verbose -d 'More log output on stderr (-v info, -vv debug, -vvv trace)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -s h -l help -d 'Print help'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand version" -s V -l version -d 'Print version'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand help; and not __fish_seen_subcommand_from plan diff apply teardown watch version help" -f -a "plan" -d 'Show the ADC and cluster configuration the cluster needs (no ADC access)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand help; and not __fish_seen_subcommand_from plan diff apply teardown watch version help" -f -a "diff" -d 'Show what apply would change on the ADC and in the cluster (exit 1 when there are changes)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand help; and not __fish_seen_subcommand_from plan diff apply teardown watch version help" -f -a "apply" -d 'Push the changes to the ADC and the cluster (asks for confirmation unless --yes)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand help; and not __fish_seen_subcommand_from plan diff apply teardown watch version help" -f -a "teardown" -d 'Remove everything this tool manages for the cluster from the ADC and the cluster'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand help; and not __fish_seen_subcommand_from plan diff apply teardown watch version help" -f -a "watch" -d 'Keep the ADC and the ADC Node converged as the cluster changes, until stopped (a foreground controller; a second one waits as standby)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand help; and not __fish_seen_subcommand_from plan diff apply teardown watch version help" -f -a "version" -d 'Print the version of kubectl-netscaler (no cluster or ADC access)'
complete -c kubectl-netscaler -n "__fish_kubectl_netscaler_using_subcommand help; and not __fish_seen_subcommand_from plan diff apply teardown watch version help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
