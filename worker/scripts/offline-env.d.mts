export declare const offlineEnv: NodeJS.ProcessEnv;
