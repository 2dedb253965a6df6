package org.patientgate.normalize.mapping;

import java.time.Instant;
import java.util.List;

/**
 * The loaded mappings folder: the base set and each site's set with the senders it serves (matched
 * on MSH-4 sending facility, or MSH-3 sending application).
 *
 * @param base the set for senders no site claims
 * @param sites site sets, in folder-name order
 * @param fileCount number of files read, for the reload report
 * @param loadedAt when the folder was read
 */
public record Mappings(MappingSet base, List<Site> sites, int fileCount, Instant loadedAt) {

    /** A site: its senders and its mapping set. */
    public record Site(String name, List<String> facilities, List<String> applications, MappingSet set) {}

    /** The set for a sender: the first site that names its facility or application, else the base. */
    public MappingSet forSender(String sendingApplication, String sendingFacility) {
        for (Site site : sites) {
            if (sendingFacility != null && site.facilities().contains(sendingFacility)) {
                return site.set();
            }
            if (sendingApplication != null && site.applications().contains(sendingApplication)) {
                return site.set();
            }
        }
        return base;
    }
}
