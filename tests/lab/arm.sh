# Sourced by lab.sh: the Azure mock (tests/mock/arm_mock.py) inside the
# test-server namespace on 127.0.0.1:8443 (the namespace has its own
# loopback, so the port is fixed and drills/lab.json can be static).
#
# Its state describes the lab (DESIGN.md section 1): circuit SEA-Cust11-ER
# in RG SEA-Cust11, peering AzurePrivatePeering (AS 65020, primary
# 192.168.11.16/30, secondary 192.168.11.20/30), VPN gateway
# SEA-Cust11-VNet01-gw-vpn whose learned/advertised routes and BGP peers
# are read live from the gw namespace's bird (tests/lab/azure_routes.py).
# A peering state change runs `lab.sh peering NAME STATE`, which shuts or
# enables the MSEE-CE BGP sessions.  The gateway's IPsec connection is
# static and Connected (the lab's tunnels are plain links; break-vpn takes
# only BGP down, as a real BGP failure over a live tunnel would), so the
# vpn_connections check sees a broken VPN through the live BGP peer
# status of each active-active instance.  Faults: $S/arm/faults.json (re-read
# by the mock on every request); requests: $S/arm/requests.jsonl.

ARM_TENANT=72f988bf-0000-4000-8000-00000000c011
ARM_CLIENT_ID=11111111-2222-4333-8444-555555555555
ARM_SUB=00000000-0000-0000-0000-00000000c011

arm_state() {
	# The client secret is a lab value generated per lab instance.
	cat <<EOF
{
  "subscription": "$ARM_SUB",
  "resource_group": "SEA-Cust11",
  "location": "westus2",
  "credentials": { "tenant": "$ARM_TENANT", "client_id": "$ARM_CLIENT_ID",
                   "client_secret": "$1" },
  "lro_seconds": ${LAB_LRO_SECONDS:-2},
  "realistic": ${LAB_REALISTIC:-false},
  "action_sync": ${LAB_ACTION_SYNC:-true},
  "circuit": {
    "name": "SEA-Cust11-ER",
    "location": "westus2",
    "sku": { "name": "Standard_MeteredData", "tier": "Standard",
             "family": "MeteredData" },
    "properties": {
      "provisioningState": "Succeeded",
      "circuitProvisioningState": "Enabled",
      "serviceProviderProvisioningState": "Provisioned",
      "serviceProviderProperties": { "serviceProviderName": "Lab",
        "peeringLocation": "Seattle", "bandwidthInMbps": 1000 },
      "serviceKey": "a1410692-0000-4ceb-b94a-b90b94d3c011",
      "authorizations": [],
      "allowClassicOperations": false
    }
  },
  "peerings": [ {
    "name": "AzurePrivatePeering",
    "properties": {
      "provisioningState": "Succeeded",
      "peeringType": "AzurePrivatePeering",
      "azureASN": 12076,
      "peerASN": 65020,
      "primaryPeerAddressPrefix": "192.168.11.16/30",
      "secondaryPeerAddressPrefix": "192.168.11.20/30",
      "primaryAzurePort": "LAB-SEA-MSEE1-PRI",
      "secondaryAzurePort": "LAB-SEA-MSEE2-SEC",
      "state": "Enabled",
      "vlanId": 111,
      "gatewayManagerEtag": "",
      "lastModifiedBy": "Customer"
    }
  } ],
  "gateway": {
    "name": "SEA-Cust11-VNet01-gw-vpn",
    "active_active": true,
    "instances": ["10.17.11.76", "10.17.11.77"],
    "connections": [ {
      "name": "SEA-Cust11-VNet01-gw-vpn-to-onprem",
      "properties": {
        "connectionType": "IPsec", "connectionProtocol": "IKEv2",
        "enableBgp": true, "connectionStatus": "Connected",
        "tunnelConnectionStatus": [
          { "tunnel": "SEA-Cust11-VNet01-gw-vpn_10.17.11.76_192.168.11.88",
            "connectionStatus": "Connected" },
          { "tunnel": "SEA-Cust11-VNet01-gw-vpn_10.17.11.77_192.168.11.88",
            "connectionStatus": "Connected" } ] }
    } ]
  }
}
EOF
}

arm_up() {
	local d="$S/arm" secret end
	mkdir -p "$d"
	chmod 700 "$d"
	secret=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
	arm_state "$secret" >"$d/state.json"
	echo '{"rules": []}' >"$d/faults.json"
	# The mock runs in srv; its hook and routes command run there too
	# and reach the other namespaces' bird sockets through the file
	# system (and ip netns exec), never the network.  The routes are
	# read in the mock's own process (--routes-py): an interpreter
	# started per read cost ~0.1 s of CPU each, and a preflight's five
	# concurrent reads took half a second of the lab's two cores from
	# the drill it measures (bench/drill.sh).
	nsx srv setsid python3 "$SRC_ROOT/tests/mock/arm_mock.py" \
	    --state-dir "$d" --state "$d/state.json" \
	    --faults "$d/faults.json" --bind 127.0.0.1 --port "$ARM_PORT" \
	    --port-file "$d/port" --log "$d/requests.jsonl" \
	    --on-change "env LAB_PREFIX=$P LAB_STATE=$S $LAB_DIR/lab.sh peering" \
	    --routes-py "$LAB_DIR/azure_routes.py $(sock gw)" \
	    </dev/null >"$d/mock.out" 2>"$d/mock.log" &
	echo $! >"$d/mock.pid"
	end=$(deadline "$UP_TIMEOUT")
	until [ -s "$d/port" ]; do
		kill -0 "$(cat "$d/mock.pid")" 2>/dev/null ||
		    die "ARM mock exited: $(tail -3 "$d/mock.log")"
		[ "$SECONDS" -lt "$end" ] || die "ARM mock did not start"
		sleep 0.1
	done
	{
		echo "LAB_ARM_CA=$d/ca.pem"
		echo "LAB_AZURE_TENANT_ID=$ARM_TENANT"
		echo "LAB_AZURE_CLIENT_ID=$ARM_CLIENT_ID"
		echo "LAB_AZURE_CLIENT_SECRET=$secret"
		echo "LAB_AZURE_AUTHORITY_HOST=https://127.0.0.1:$ARM_PORT"
		echo "LAB_ARM_LOG=$d/requests.jsonl"
		echo "LAB_ARM_FAULTS=$d/faults.json"
	} >>"$S/env.d"
}
